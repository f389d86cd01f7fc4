/* Say honestly that a large import is running: the button shows the row count and cannot be pressed twice. */
  var importForm = document.querySelector(".import-form");
  if (importForm) importForm.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "confirm") {
      setTimeout(function () { button.disabled = true; button.textContent = button.dataset.busy; }, 0);
    }
  });
