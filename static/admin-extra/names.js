/* Accessible names for the controls that Django's admin scripts build in the browser.
 *
 * The server gives every form control a name: a <label>, or an aria-label on the rows of a
 * tabular inline (wijkaanpak/admin_labels.py). Two of the admin's scripts build controls of
 * their own that lose it (WCAG 4.1.2):
 * - SelectFilter2 (filter_horizontal) labels its filter box with an empty <span> that carries
 *   an aria-label, which ARIA allows only on an element with a role: the span is the
 *   magnifier icon, so it becomes an image with that text as its alternative;
 * - select2 (autocomplete_fields) names its box after the chosen option only, so an empty box
 *   has no name, nor has the read-only text in it, nor the search box of a multiple choice.
 *   They are named after the <select> they stand for; the box's name is followed by the
 *   chosen option, as before.
 * A MutationObserver catches them whenever they are built: on load, and in rows added later.
 * Every fix checks first, so running it again changes nothing.
 */
(function () {
  "use strict";

  function nameOf(select) {
    const own = select.getAttribute("aria-label");
    if (own) {
      return own;
    }
    const label = select.labels && select.labels[0];
    return label ? label.textContent.trim().replace(/:$/, "") : "";
  }

  function nameIcons(root) {
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function nameSelect2(container) {
    const select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT" || !select.id) {
      return;
    }
    const name = nameOf(select);
    if (!name) {
      return;
    }
    const nameId = select.id + "-accessible-name";
    if (!document.getElementById(nameId)) {
      const text = document.createElement("span");
      text.id = nameId;
      text.hidden = true;
      text.textContent = name;
      container.appendChild(text);
    }
    container.querySelectorAll(".select2-selection[role=combobox]").forEach(function (box) {
      const ids = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(nameId) === -1) {
        box.setAttribute("aria-labelledby", [nameId].concat(ids).join(" "));
      }
    });
    // The box's text, the chosen option, is a read-only textbox of its own that needs a name.
    container.querySelectorAll(".select2-selection__rendered[role=textbox]").forEach(function (text) {
      if (!text.hasAttribute("aria-labelledby")) {
        text.setAttribute("aria-labelledby", nameId);
      }
    });
    container.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (box) {
      box.setAttribute("aria-label", name);
    });
  }

  // An open select2 (a single choice) puts its search box and options in a dropdown at the end
  // of the page: the search box is named after the open box, which controls the options.
  function nameOpenDropdown() {
    const box = document.querySelector(".select2-container--open .select2-selection[role=combobox]");
    if (!box) {
      return;
    }
    const owns = box.getAttribute("aria-owns");
    if (owns && !box.hasAttribute("aria-controls")) {
      box.setAttribute("aria-controls", owns);
    }
    const nameId = (box.getAttribute("aria-labelledby") || "").split(/\s+/)[0];
    const name = nameId && document.getElementById(nameId);
    document.querySelectorAll(".select2-dropdown .select2-search__field:not([aria-label])").forEach(function (field) {
      if (name) {
        field.setAttribute("aria-label", name.textContent);
      }
    });
  }

  function nameAll() {
    nameIcons(document);
    document.querySelectorAll("select + .select2-container").forEach(nameSelect2);
    nameOpenDropdown();
  }

  new MutationObserver(function (records) {
    if (records.some(function (record) { return record.addedNodes.length > 0; })) {
      nameAll();
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
