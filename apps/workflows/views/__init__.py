"""Page views of the workflows app (the canvas editor); session-authenticated, CSRF-protected."""
