// Light/dark theme: an explicit choice is kept in localStorage["theme"]; otherwise follow the OS.
(function () {
  var root = document.documentElement;
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function saved() {
    try { return localStorage.getItem("theme"); } catch (e) { return null; }
  }
  function apply(theme) {
    root.dataset.theme = theme;
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    });
  }
  function current() {
    var choice = saved();
    return choice === "dark" || choice === "light" ? choice : (media.matches ? "dark" : "light");
  }

  apply(current());
  media.addEventListener("change", function () { if (!saved()) apply(current()); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-theme-toggle]");
    if (!button) return;
    var next = root.dataset.theme === "dark" ? "light" : "dark";
    try { localStorage.setItem("theme", next); } catch (e) {}
    apply(next);
  });
})();
