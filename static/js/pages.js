// Small helpers of the list pages: dialogs, confirmation before destructive submits, slug from name,
// select-all checkboxes. Everything else is plain forms and htmx attributes.
(function () {
  "use strict";
  var pending = null;

  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 255);
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog) { dialog.showModal(); var first = dialog.querySelector("input:not([type=hidden]), select, textarea"); if (first) first.focus(); }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close("cancel"); return; }
    var guarded = event.target.closest("[data-confirm]");
    if (guarded && guarded.form) {
      // Ask first; the confirm dialog submits the same form with the same button when confirmed.
      event.preventDefault();
      var confirmDialog = document.getElementById("confirm-dialog");
      confirmDialog.querySelector("[data-confirm-message]").textContent = guarded.dataset.confirm;
      confirmDialog.querySelector("[data-confirm-accept]").textContent = guarded.dataset.confirmLabel || "Delete";
      pending = guarded;
      confirmDialog.returnValue = "";
      confirmDialog.showModal();
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target.id !== "confirm-dialog" || !pending) return;
    var button = pending;
    pending = null;
    if (event.target.returnValue === "confirm") button.form.requestSubmit(button);
    else button.focus();
  }, true);

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches("[data-slug-source]")) {
      var slug = target.form && target.form.querySelector("[data-slug-target]");
      if (slug && !slug.dataset.edited) slug.value = slugify(target.value);
    } else if (target.matches("[data-slug-target]")) {
      if (target.value) target.dataset.edited = "1"; else delete target.dataset.edited;
    }
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[type=checkbox][name='" + all.dataset.selectAll + "']").forEach(function (box) {
        box.checked = all.checked;
      });
    }
    document.querySelectorAll("[data-selection-count]").forEach(function (counter) {
      var n = document.querySelectorAll("input[type=checkbox][name='" + counter.dataset.selectionCount + "']:checked").length;
      counter.textContent = String(n);
      var button = counter.closest("button");
      if (button) button.disabled = n === 0;
    });
  });

  // Live pages: the editor socket appends each event as JSON to #pipelit-events (status pills are
  // swapped by htmx itself). Read them, drop them, and tell the page what happened.
  function eventData(script) {
    var text = script.textContent;
    try { return JSON.parse(text); } catch (e) { /* HTML-escaped inside <script>: decode first */ }
    var decoder = document.createElement("textarea");
    decoder.innerHTML = text;
    try { return JSON.parse(decoder.value); } catch (e) { return {}; }
  }

  // Tests and assistive tech can tell when a live page is listening.
  // Events sent between the page's render and the socket's (re)connection are never seen: catch up.
  document.addEventListener("htmx:wsOpen", function (event) {
    var el = event.target;
    el.dataset.socket = "live";
    if (el.matches("[data-live-execution]")) htmx.trigger(document.body, "execution-changed", { type: "resync" });
    if (el.matches("[data-live-epic]")) htmx.trigger(document.body, "epic-changed", { type: "resync" });
  });
  document.addEventListener("htmx:wsClose", function (event) { event.target.dataset.socket = "closed"; });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var box = document.getElementById("pipelit-events");
    if (!box) return;
    box.querySelectorAll("script[data-event-type]").forEach(function (script) {
      var event = eventData(script);
      script.remove();
      var id = event.execution_id || (event.data || {}).execution_id;
      if (event.type === "execution_started" && id && !document.getElementById("execution-row-" + id)) {
        var notice = document.querySelector("[data-new-executions]");
        if (notice) notice.hidden = false;
      }
      if (document.querySelector("[data-live-execution='" + id + "']")) {
        htmx.trigger(document.body, "execution-changed", { type: event.type });
      }
      if (/^(epic|task)_/.test(event.type || "") && document.querySelector("[data-live-epic], [data-live-epics]")) {
        var gone = event.type === "epic_deleted" && document.querySelector("[data-live-epic='" + (event.data || {}).id + "']");
        if (gone) document.querySelector("[data-epic-deleted]").hidden = false;
        else htmx.trigger(document.body, "epic-changed", { type: event.type });
      }
    });
  });
})();
