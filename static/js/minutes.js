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

  // Ctrl+S (Cmd+S on a Mac) saves from anywhere on the page, instead of the browser's "save
  // page as". The save is the autosave's own request, so the page stays where it is.
  document.addEventListener(
    "keydown",
    function (event) {
      var isSave =
        (event.ctrlKey || event.metaKey) && !event.altKey && (event.key || "").toLowerCase() === "s";
      var editor = document.getElementById("minutes-editor");
      if (!isSave || !editor) {
        return;
      }
      event.preventDefault();
      if (window.htmx && editor.hasAttribute("hx-post")) {
        // After the rich-text editor's next drawing, which copies the last keys typed into
        // the form: saving at once could leave them out.
        window.requestAnimationFrame(function () {
          window.setTimeout(function () {
            window.htmx.trigger(editor, "save-now");
          }, 0);
        });
      }
    },
    true
  );

  // The agenda outline: a jump lands in the item's comment, ready to write, below the save bar.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".minutes-outline-menu a");
    var section = link && document.getElementById(link.hash.slice(1));
    if (!section) {
      return;
    }
    event.preventDefault();
    window.history.replaceState(null, "", link.hash);
    section.scrollIntoView({ block: "start" });
    var editor = section.querySelector("trix-editor");
    if (editor) {
      editor.focus({ preventScroll: true });
    }
  });

  // The rich-text toolbar -------------------------------------------------------------------
  // Trix's buttons are no tab stops. Each toolbar becomes one (the WAI-ARIA toolbar pattern):
  // Tab lands on one button, the arrow keys, Home and End move between them, Enter or Space
  // presses one, Escape returns to the text; Alt+F10 in the text goes to its toolbar.

  function toolbarButtons(toolbar) {
    return Array.prototype.filter.call(
      toolbar.querySelectorAll(".trix-button-row button.trix-button"),
      function (button) {
        return !button.disabled && button.offsetParent !== null;
      }
    );
  }

  function makeCurrent(toolbar, button) {
    toolbar.querySelectorAll("button.trix-button").forEach(function (other) {
      other.tabIndex = other === button ? 0 : -1;
    });
  }

  function focusButton(toolbar, button) {
    if (button) {
      makeCurrent(toolbar, button);
      button.focus();
    }
  }

  function onToolbarKeyDown(event) {
    var toolbar = event.currentTarget;
    var button = event.target.closest("button.trix-button");
    if (!button || button.closest(".trix-dialog")) {
      return;
    }
    var buttons = toolbarButtons(toolbar);
    var index = buttons.indexOf(button);
    var rtl = getComputedStyle(toolbar).direction === "rtl";
    var next = rtl ? "ArrowLeft" : "ArrowRight";
    var previous = rtl ? "ArrowRight" : "ArrowLeft";
    if (event.key === next) {
      focusButton(toolbar, buttons[(index + 1) % buttons.length]);
    } else if (event.key === previous) {
      focusButton(toolbar, buttons[(index - 1 + buttons.length) % buttons.length]);
    } else if (event.key === "Home") {
      focusButton(toolbar, buttons[0]);
    } else if (event.key === "End") {
      focusButton(toolbar, buttons[buttons.length - 1]);
    } else if (event.key === "Enter" || event.key === " ") {
      // Trix acts on mousedown, which a key press does not send.
      button.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true }));
    } else if (event.key === "Escape") {
      var editor = document.getElementById(toolbar.dataset.editorId);
      if (editor) {
        editor.focus();
      }
    } else {
      return;
    }
    event.preventDefault();
  }

  function setUpToolbar(editor) {
    var toolbar = editor.toolbarElement;
    if (!toolbar || toolbar.dataset.roving) {
      return;
    }
    var labels = readLabels();
    toolbar.dataset.roving = "true";
    toolbar.dataset.editorId = editor.id;
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-controls", editor.id);
    toolbar.setAttribute(
      "aria-label",
      (labels.toolbar || "") + (labels.toolbar ? ": " : "") + (editor.getAttribute("aria-label") || "")
    );
    makeCurrent(toolbar, toolbarButtons(toolbar)[0]);
    toolbar.addEventListener("keydown", onToolbarKeyDown);
    toolbar.addEventListener("focusin", function (event) {
      var button = event.target.closest(".trix-button-row button.trix-button");
      if (button) {
        makeCurrent(toolbar, button);
      }
    });
    editor.addEventListener("keydown", function (event) {
      if (event.key === "F10" && event.altKey) {
        event.preventDefault();
        focusButton(toolbar, toolbar.querySelector('button.trix-button[tabindex="0"]'));
      }
    });
  }

  function readLabels() {
    var labels = document.getElementById("editor-labels");
    return labels ? JSON.parse(labels.textContent) : {};
  }

  document.addEventListener("trix-initialize", function (event) {
    setUpToolbar(event.target);
  });

  // The decided-action dialog ---------------------------------------------------------------
  // One <dialog> for the whole page. An item's "Add a decided action" link opens it for that
  // item: the form posts to the link's own address (where the form is a page of its own
  // without JavaScript), and htmx swaps the item's actions in place.

  var opener = null;
  var openedFor = null;

  function dialogParts() {
    var dialog = document.getElementById("action-dialog");
    return dialog ? { dialog: dialog, form: document.getElementById("action-dialog-form") } : null;
  }

  function clearDialogFields(form) {
    form.querySelectorAll("[data-dialog-errors]").forEach(function (alert) {
      alert.remove();
    });
    form.querySelectorAll("#action-dialog-fields input, #action-dialog-fields select").forEach(
      function (field) {
        if (field.type === "checkbox") {
          field.checked = false;
        } else if (field.tagName === "SELECT") {
          field.selectedIndex = 0;
          field.dispatchEvent(new Event("change", { bubbles: true }));
        } else if (field.type !== "hidden") {
          field.value = "";
        }
      }
    );
  }

  function openActionDialog(link) {
    var parts = dialogParts();
    if (!parts) {
      return false;
    }
    var url = link.getAttribute("href");
    if (openedFor !== url) {
      clearDialogFields(parts.form);
    }
    opener = link.id;
    openedFor = url;
    parts.form.setAttribute("action", url);
    parts.form.setAttribute("hx-post", url);
    parts.form.setAttribute("hx-target", link.dataset.actionsTarget);
    if (window.htmx) {
      window.htmx.process(parts.form);
    }
    document.getElementById("action-dialog-item").textContent = link.dataset.itemTitle || "";
    parts.dialog.showModal();
    var first = parts.form.querySelector("[data-dialog-errors]") || document.getElementById("action-title");
    if (first) {
      first.focus();
    }
    return true;
  }

  function returnFocus() {
    var target = opener && document.getElementById(opener);
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-action-dialog-opener]");
    if (link && openActionDialog(link)) {
      event.preventDefault();
    }
    var close = event.target.closest && event.target.closest("[data-dialog-close]");
    if (close) {
      close.closest("dialog").close();
    }
  });
  // The openers are links that act as buttons: Space presses them too.
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("[data-action-dialog-opener]");
    if (link && event.key === " ") {
      event.preventDefault();
      openActionDialog(link);
    }
  });

  function markOpeners(root) {
    root.querySelectorAll("[data-action-dialog-opener]").forEach(function (link) {
      link.setAttribute("role", "button");
      link.setAttribute("aria-haspopup", "dialog");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    markOpeners(document);
    var parts = dialogParts();
    if (parts) {
      // Escape (the dialog's cancel) and the buttons all end here: focus goes back to the
      // opener, or to the one that replaced it when the item's actions were swapped.
      parts.dialog.addEventListener("close", function () {
        window.requestAnimationFrame(returnFocus);
      });
    }
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt.querySelectorAll) {
      markOpeners(event.detail.elt);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var parts = dialogParts();
    if (!parts || event.detail.elt !== parts.form) {
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) {
      clearDialogFields(parts.form);
      openedFor = null;
      parts.dialog.close();
    } else if (status === 422) {
      var alert = parts.form.querySelector("[data-dialog-errors]");
      if (alert) {
        alert.focus();
      }
    }
  });

  // Who else is editing -------------------------------------------------------------------
  // The page polls every few seconds (htmx); an unchanged answer is not swapped in, so the
  // live region speaks only when someone arrives or leaves. Leaving the page says so at once.

  // The last answer is kept on the element itself: the screen of a refused save brings a new,
  // empty one, which must show the answer even though it has not changed.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var element = event.detail.elt;
    if (element.id !== "minutes-presence") {
      return;
    }
    if (event.detail.serverResponse === element.lastPresence) {
      event.detail.shouldSwap = false;
    }
    element.lastPresence = event.detail.serverResponse;
  });

  window.addEventListener("pagehide", function () {
    var presence = document.getElementById("minutes-presence");
    var token = document.querySelector("#minutes-form input[name=csrfmiddlewaretoken]");
    if (!presence || !token || !navigator.sendBeacon) {
      return;
    }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(presence.dataset.leaveUrl, data);
  });
})();
