// A searchable picker made from a <select data-combobox>, following the WAI-ARIA combobox
// pattern with list autocomplete: typing filters a listbox, ArrowDown/ArrowUp move through it,
// Enter chooses, Escape closes. The <select> stays in the form, hidden, and carries the value, so
// the form posts exactly what it posts without JavaScript, where the <select> is the picker.
//
// Markup: <label for="X">…</label><select id="X" name="…" data-combobox
//          data-combobox-empty="Text shown when nothing matches">…</select>
// Call window.Combobox.enhance(root) for content added later; htmx content is enhanced itself.
(function () {
  "use strict";

  var made = 0;

  // Case and accents do not matter: "hadd" finds "Haddad", "sodra" finds "Södra".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function Combobox(select) {
    made += 1;
    this.select = select;
    this.id = select.id || "combobox-" + made;
    this.choices = Array.prototype.filter
      .call(select.options, function (option) {
        return option.value !== "";
      })
      .map(function (option) {
        return { value: option.value, label: option.textContent.trim() };
      });
    this.visible = [];
    this.active = -1;
    this.build();
    this.bind();
    this.syncFromSelect();
  }

  Combobox.prototype.build = function () {
    var select = this.select;
    var label = document.querySelector('label[for="' + this.id + '"]');
    // The label now names the text box: the hidden <select> gives up its id.
    select.id = this.id + "-select";
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    var input = document.createElement("input");
    input.type = "text";
    input.id = this.id;
    input.className = "form-control";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id + "-listbox");

    var listbox = document.createElement("ul");
    listbox.id = this.id + "-listbox";
    listbox.className = "combobox-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    if (label) {
      if (!label.id) {
        label.id = this.id + "-label";
      }
      listbox.setAttribute("aria-labelledby", label.id);
    }
    var self = this;
    this.items = this.choices.map(function (choice, index) {
      var item = document.createElement("li");
      item.id = self.id + "-option-" + index;
      item.className = "combobox-option";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.value = choice.value;
      item.textContent = choice.label;
      listbox.appendChild(item);
      return item;
    });

    // Said once when a search finds no one; empty otherwise.
    var empty = document.createElement("div");
    empty.className = "combobox-empty";
    empty.setAttribute("role", "status");
    empty.id = this.id + "-empty";

    wrapper.appendChild(input);
    wrapper.appendChild(listbox);
    wrapper.appendChild(empty);
    select.after(wrapper);
    this.input = input;
    this.listbox = listbox;
    this.empty = empty;
  };

  Combobox.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("keydown", function (event) {
      self.onKeyDown(event);
    });
    this.input.addEventListener("input", function () {
      self.filter(self.input.value);
      self.open();
      self.setActive(-1);
      self.matchTypedText(false);
    });
    this.input.addEventListener("click", function () {
      if (self.listbox.hidden) {
        self.filter("");
        self.open();
      }
    });
    this.input.addEventListener("blur", function () {
      self.close();
      self.matchTypedText(true);
    });
    // Choosing with the mouse must not blur the text box first.
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.listbox.addEventListener("click", function (event) {
      var item = event.target.closest('[role="option"]');
      if (item) {
        self.choose(self.items.indexOf(item));
      }
    });
    // A value set from outside (a form cleared for the next entry) shows in the text box.
    this.select.addEventListener("change", function () {
      if (!self.updating) {
        self.syncFromSelect();
      }
    });
  };

  Combobox.prototype.onKeyDown = function (event) {
    var isOpen = !this.listbox.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!isOpen) {
          this.filter(this.input.value === this.selectedLabel() ? "" : this.input.value);
          this.open();
          if (event.altKey) {
            return;
          }
        }
        this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!isOpen) {
          this.filter(this.input.value === this.selectedLabel() ? "" : this.input.value);
          this.open();
        }
        this.move(-1);
        break;
      case "Enter":
        if (isOpen && this.active >= 0) {
          event.preventDefault();
          this.choose(this.active);
        } else if (isOpen) {
          event.preventDefault();
          this.close();
        }
        break;
      case "Escape":
        // Handled here, the key does not also close a dialog around the picker.
        if (isOpen) {
          event.preventDefault();
          event.stopPropagation();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          event.stopPropagation();
          this.input.value = "";
          this.setValue("");
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  Combobox.prototype.filter = function (text) {
    var wanted = fold(text.trim());
    var self = this;
    this.visible = [];
    this.items.forEach(function (item, index) {
      var shown = !wanted || fold(self.choices[index].label).indexOf(wanted) !== -1;
      item.hidden = !shown;
      if (shown) {
        self.visible.push(index);
      }
    });
    this.empty.textContent = this.visible.length ? "" : this.select.dataset.comboboxEmpty || "";
  };

  Combobox.prototype.open = function () {
    var any = this.visible.length > 0;
    this.listbox.hidden = !any;
    this.input.setAttribute("aria-expanded", any ? "true" : "false");
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
    this.empty.textContent = "";
  };

  Combobox.prototype.move = function (step) {
    if (!this.visible.length) {
      return;
    }
    var position = this.visible.indexOf(this.active);
    if (position === -1) {
      position = step > 0 ? 0 : this.visible.length - 1;
    } else {
      position = (position + step + this.visible.length) % this.visible.length;
    }
    this.setActive(this.visible[position]);
  };

  Combobox.prototype.setActive = function (index) {
    if (this.active >= 0) {
      this.items[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index >= 0) {
      var item = this.items[index];
      item.setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", item.id);
      item.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Combobox.prototype.choose = function (index) {
    if (index < 0) {
      return;
    }
    this.input.value = this.choices[index].label;
    this.setValue(this.choices[index].value);
    this.close();
  };

  Combobox.prototype.setValue = function (value) {
    if (this.select.value !== value) {
      this.select.value = value;
      this.updating = true;
      this.select.dispatchEvent(new Event("change", { bubbles: true }));
      this.updating = false;
    }
  };

  Combobox.prototype.selectedLabel = function () {
    var option = this.select.options[this.select.selectedIndex];
    return option && option.value ? option.textContent.trim() : "";
  };

  Combobox.prototype.syncFromSelect = function () {
    this.input.value = this.selectedLabel();
  };

  // Text typed but not chosen: an exact name counts as chosen; anything else chooses no one,
  // so the form never posts a person the text box does not show.
  Combobox.prototype.matchTypedText = function (leaving) {
    var typed = fold(this.input.value.trim());
    if (typed && typed === fold(this.selectedLabel())) {
      return;
    }
    var match = -1;
    for (var index = 0; index < this.choices.length; index += 1) {
      if (fold(this.choices[index].label) === typed) {
        match = index;
        break;
      }
    }
    if (match >= 0) {
      this.setValue(this.choices[match].value);
      if (leaving) {
        this.input.value = this.choices[match].label;
      }
    } else {
      this.setValue("");
    }
  };

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var selects = Array.prototype.slice.call(scope.querySelectorAll("select[data-combobox]"));
    if (scope.matches && scope.matches("select[data-combobox]")) {
      selects.push(scope);
    }
    selects.forEach(function (select) {
      if (!select.dataset.comboboxReady) {
        select.dataset.comboboxReady = "true";
        new Combobox(select);
      }
    });
  }

  window.Combobox = { enhance: enhance };
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail.elt);
  });
})();
