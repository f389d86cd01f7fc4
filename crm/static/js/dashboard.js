// The dashboard's "Print" button: the page has print styles (app.css, @media print).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
