/* A form sent back with errors: move the focus to its error summary, so the keyboard and the
 * screen reader start where the problem is told ([data-error-summary], tabindex="-1"), not at
 * the top of the page. The page's address already scrolls it into view (#review).
 */
(function () {
  "use strict";

  function focusSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
