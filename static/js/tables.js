// Tables that fit their page (see tables.css).
//
// - The column chooser: a menu of checkboxes, one per column a reader may hide (the headings
//   marked data-column; data-column-hidden hides one until the reader shows it). The choice is
//   remembered in the browser for that kind of table. The row's controls and its main columns
//   carry no data-column, so they cannot be hidden. Without JavaScript every column shows and
//   the chooser stays hidden.
// - "Open every row's details" / "Close them": one button for all the row disclosures of a table.
// - Tables shown as cards on a phone restate their roles in ARIA, because some browsers stop
//   reporting a table as one once its display is changed.
(function () {
  "use strict";

  var STORAGE_PREFIX = "portal.columns.";

  function readChoices(key) {
    try {
      return JSON.parse(window.localStorage.getItem(STORAGE_PREFIX + key)) || {};
    } catch (error) {
      return {};
    }
  }

  function saveChoices(key, choices) {
    try {
      window.localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(choices));
    } catch (error) {
      // Storage refused (private browsing, say): the choice lasts until the page is left.
    }
  }

  function showColumn(table, header, visible) {
    var headerRow = header.parentElement;
    var index = Array.prototype.indexOf.call(headerRow.children, header);
    table.querySelectorAll("tr").forEach(function (row) {
      // A row whose cell spans the table (a "nothing here" message) has no such column.
      if (row.children.length !== headerRow.children.length) {
        return;
      }
      row.children[index].classList.toggle("column-hidden", !visible);
    });
  }

  function addChoice(list, table, header, choices, key) {
    var name = header.dataset.column;
    var visible = name in choices ? choices[name] : !header.hasAttribute("data-column-hidden");
    var wrapper = document.createElement("div");
    wrapper.className = "form-check";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input";
    box.id = table.id + "-column-" + name;
    box.checked = visible;
    box.dataset.column = name;
    var label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = box.id;
    label.textContent = header.dataset.columnLabel || header.textContent.trim();
    box.addEventListener("change", function () {
      showColumn(table, header, box.checked);
      choices[name] = box.checked;
      saveChoices(key, choices);
    });
    wrapper.append(box, label);
    list.append(wrapper);
    showColumn(table, header, visible);
  }

  function setUpChooser(chooser) {
    var table = document.getElementById(chooser.dataset.columnChooser);
    var list = chooser.querySelector("[data-column-options]");
    if (!table || !list) {
      return;
    }
    var key = table.dataset.columnsKey || table.id;
    var choices = readChoices(key);
    table.querySelectorAll("thead th[data-column]").forEach(function (header) {
      addChoice(list, table, header, choices, key);
    });
    chooser.hidden = false;
  }

  function setUpDetailsToggle(button) {
    var table = document.getElementById(button.dataset.detailsToggle);
    if (!table) {
      return;
    }
    var openLabel = button.textContent.trim();
    var closeLabel = button.dataset.closeLabel;
    button.addEventListener("click", function () {
      var opening = button.getAttribute("aria-pressed") !== "true";
      table.querySelectorAll("details.row-details").forEach(function (details) {
        details.open = opening;
      });
      button.setAttribute("aria-pressed", opening ? "true" : "false");
      button.textContent = opening ? closeLabel : openLabel;
    });
    button.hidden = false;
  }

  function keepTableRoles(table) {
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.children, function (group) {
      if (group.tagName === "THEAD" || group.tagName === "TBODY" || group.tagName === "TFOOT") {
        group.setAttribute("role", "rowgroup");
      }
    });
    table.querySelectorAll(":scope > * > tr").forEach(function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.children, function (cell) {
        if (cell.tagName === "TD") {
          cell.setAttribute("role", "cell");
        } else if (cell.getAttribute("scope") === "row") {
          cell.setAttribute("role", "rowheader");
        } else {
          cell.setAttribute("role", "columnheader");
        }
      });
    });
  }

  function enhance() {
    // Loaded twice (by the page and by the layout), the script sets things up once.
    if (document.documentElement.dataset.tablesEnhanced) {
      return;
    }
    document.documentElement.dataset.tablesEnhanced = "true";
    document.querySelectorAll("[data-column-chooser]").forEach(setUpChooser);
    document.querySelectorAll("[data-details-toggle]").forEach(setUpDetailsToggle);
    document.querySelectorAll("table.table-cards").forEach(keepTableRoles);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
