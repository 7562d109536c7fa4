// The minutes editor: turns each comment box into a rich-text editor (Trix) and keeps the
// autosave state visible. Without JavaScript the plain text boxes and the Save button work.
(function () {
  "use strict";

  var changes = 0;
  var changesWhenSent = 0;

  function enhance(root) {
    root.querySelectorAll("textarea.rich-text").forEach(function (area) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = area.name;
      input.id = area.id + "-value";
      input.value = area.value;
      if (area.getAttribute("form")) {
        input.setAttribute("form", area.getAttribute("form"));
      }
      var editor = document.createElement("trix-editor");
      editor.setAttribute("input", input.id);
      editor.id = area.id;
      editor.className = "trix-content form-control";
      // Written in the page's direction (right to left in Arabic); a paragraph in the other
      // direction is marked by Trix itself and laid out by its own text (portal.css).
      editor.setAttribute("dir", document.documentElement.dir || "ltr");
      var label = document.querySelector('label[for="' + area.id + '"]');
      editor.setAttribute("aria-label", label ? label.textContent.trim() : area.name);
      area.replaceWith(input);
      input.after(editor);
    });
  }

  function showUnsaved() {
    changes += 1;
    var status = document.getElementById("save-status");
    if (status && status.dataset.unsavedText) {
      status.textContent = status.dataset.unsavedText;
    }
  }

  function translateEditor() {
    var labels = document.getElementById("editor-labels");
    if (labels && window.Trix) {
      Object.assign(window.Trix.config.lang, JSON.parse(labels.textContent));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    translateEditor();
    enhance(document);
  });
  document.addEventListener("trix-change", showUnsaved);
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("autosave")) {
      showUnsaved();
      // htmx saves on this event: a filter in hx-trigger would need eval, which the
      // Content-Security-Policy refuses.
      event.target.dispatchEvent(new CustomEvent("autosave-change", { bubbles: true }));
    }
  });
  // Minutes hold text only: files are shared elsewhere.
  document.addEventListener("trix-file-accept", function (event) {
    event.preventDefault();
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "minutes-editor") {
      changesWhenSent = changes;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id === "minutes-editor" && event.detail.successful) {
      // Typing that happened while the save was on its way is still unsaved.
      if (changes === changesWhenSent) {
        changes = 0;
        changesWhenSent = 0;
      }
    }
  });
  // A lost connection or a server error: say so, and keep the text for the next try.
  function showFailed(event) {
    var status = document.getElementById("save-status");
    if (event.detail.elt.id === "minutes-editor" && status && status.dataset.failedText) {
      status.textContent = status.dataset.failedText;
    }
  }
  document.addEventListener("htmx:sendError", showFailed);
  document.addEventListener("htmx:responseError", showFailed);
  // "Save now" sends the text itself: leaving the page that way loses nothing.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "minutes-form") {
      changes = 0;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (changes > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
