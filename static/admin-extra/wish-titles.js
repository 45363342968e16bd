/* On a contract's page: below the wish numbers of each project ("1, 3"), the wishes those
 * numbers name, as the wish rows above have them now ("1. Een veilige speelplek"), so the
 * editor sees which wishes a project will answer before saving. The server resolves the
 * numbers itself when the page is saved; this only shows them. Works on rows added later too.
 */
(function () {
  "use strict";

  function wishTitles() {
    const titles = new Map();
    document.querySelectorAll("#wishes-group .form-row:not(.empty-form)").forEach(function (row) {
      const order = row.querySelector("input[name$='-order']");
      const title = row.querySelector("input[name$='-title']");
      const removed = row.querySelector("input[name$='-DELETE']");
      if (!order || !title || (removed && removed.checked) || !title.value.trim()) {
        return;
      }
      const number = order.value.trim();
      titles.set(number, titles.has(number) ? null : title.value.trim());
    });
    return titles;
  }

  function describe(input, titles) {
    const numbers = input.value.split(/[\s,;]+/).filter(Boolean);
    return numbers
      .filter(function (number) {
        return titles.get(number);
      })
      .map(function (number) {
        return number + ". " + titles.get(number);
      })
      .join("; ");
  }

  function show() {
    const titles = wishTitles();
    document.querySelectorAll("input[name$='-wish_numbers']").forEach(function (input) {
      if (input.name.includes("__prefix__")) {
        return;
      }
      let note = document.getElementById(input.id + "-titles");
      if (!note) {
        note = document.createElement("div");
        note.id = input.id + "-titles";
        note.className = "help wish-titles";
        const box = input.closest(".fieldBox");
        (box ? box.parentElement : input.parentElement).appendChild(note);
        const described = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
      }
      note.textContent = describe(input, titles);
    });
  }

  document.addEventListener("input", show);
  document.addEventListener("change", show);
  document.addEventListener("formset:added", show);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
