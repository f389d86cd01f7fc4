// Progressive help only: the server decides the zone and checks the contacts.
(function () {
  var form = document.getElementById("meeting-form");
  var hint = document.getElementById("meeting-zone");
  if (!form || !hint) return;
  var zones = JSON.parse(hint.dataset.eventZones || "{}");
  var eventSelect = form.elements["event_id"], companySelect = form.elements["company_id"];
  var contactSelect = form.elements["contact_ids"];
  eventSelect.addEventListener("change", function () {
    var zone = zones[eventSelect.value];
    hint.textContent = zone ? hint.dataset.eventText.replace("__ZONE__", zone)
                            : hint.dataset.userText.replace("__ZONE__", hint.dataset.userZone);
  });
  companySelect.addEventListener("change", function () {
    var url = form.dataset.contactsUrl + "?company=" + encodeURIComponent(companySelect.value);
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (rows) {
      contactSelect.innerHTML = "";
      rows.forEach(function (row) {
        var option = document.createElement("option");
        option.value = row.id;
        option.textContent = row.name;
        contactSelect.appendChild(option);
      });
    });
  });
})();
