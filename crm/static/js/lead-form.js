// When the company changes, reload the form (without saving) so the contact and
// meeting lists show that company's people; everything typed is kept. Without
// JavaScript, saving shows the same lists with an error if the contact does not fit.
(function () {
  var select = document.getElementById("company_id");
  if (!select) return;
  select.addEventListener("change", function () {
    var params = new URLSearchParams(new FormData(select.form));
    params.delete("csrf_token");
    params.delete("contact_id");
    params.delete("meeting_id");
    params.set("refresh", "1");
    window.location.search = params.toString();
  });
})();
