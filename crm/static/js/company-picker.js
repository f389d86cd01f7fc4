// Company picker (crm/pickers.py, macro company_picker in _forms.html): the text box becomes
// a combobox that asks the server for matching companies as you type; choosing one puts its
// id in the field's <select> (hidden here) and fires "change" on it, so page scripts that
// watch the select (contacts of the chosen company) keep working. The server checks the id.
// Without JavaScript the same markup works: type, save, choose among the matches, save.
(function () {
  "use strict";

  var DELAY = 200; // ms after the last key before asking the server

  function setUp(root) {
    var input = root.querySelector(".picker-input");
    var select = root.querySelector(".picker-select");
    var shown = root.querySelector(".picker-shown");
    var status = root.querySelector(".picker-status");
    if (!input || !select || !shown || root.classList.contains("picker-ready")) return;

    var list = document.createElement("ul");
    list.id = input.id + "-listbox";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", root.dataset.listLabel);
    list.hidden = true;
    root.insertBefore(list, select);
    root.classList.add("picker-ready");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0; // number of the latest request: older answers are dropped
    var chosen = {id: select.value, name: input.value}; // what Escape goes back to

    function say(text) {
      status.textContent = text || "";
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      root.classList.remove("picker-open");
      active = -1;
    }

    function open() {
      if (!items.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      root.classList.add("picker-open");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({block: "nearest"});
    }

    function span(className, text) {
      var element = document.createElement("span");
      element.className = className;
      element.textContent = text;
      return element;
    }

    function show(data) {
      items = data.items || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(span("picker-name", item.name));
        var extra = [item.other, item.country].filter(Boolean).join(" · ");
        if (extra) option.appendChild(span("picker-extra", extra));
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the text box
        });
        option.addEventListener("click", function () {
          choose(item);
        });
        list.appendChild(option);
      });
      if (data.more) {
        var more = document.createElement("li");
        more.className = "picker-more";
        more.setAttribute("aria-disabled", "true");
        more.textContent = root.dataset.more;
        list.appendChild(more);
      }
      active = -1;
      if (items.length) {
        open();
        say((items.length === 1 ? root.dataset.one : root.dataset.many.replace("__N__", items.length)) +
            (data.more ? " " + root.dataset.more : ""));
      } else {
        close();
        say(root.dataset.none);
      }
    }

    function search() {
      var q = input.value.trim();
      var mine = ++asked;
      if (!q) {
        items = [];
        close();
        say("");
        return;
      }
      var url = root.dataset.url + "?q=" + encodeURIComponent(q);
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          if (!response.ok || response.headers.get("Content-Type").indexOf("json") < 0) throw new Error();
          return response.json();
        })
        .then(function (data) {
          if (mine === asked) show(data);
        })
        .catch(function () {
          if (mine === asked) {
            close();
            say(root.dataset.error);
          }
        });
    }

    function setValue(id, label) {
      var value = id ? String(id) : "";
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        option = new Option(label, value);
        select.add(option);
      }
      select.value = value;
    }

    function choose(item) {
      setValue(item.id, item.label);
      input.value = item.name;
      shown.value = item.name; // the server sees the box unchanged: the chosen id decides
      chosen = {id: String(item.id), name: item.name};
      close();
      say(item.label);
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }

    input.addEventListener("input", function () {
      // Typing drops the previous choice until a match is chosen (or the box is saved as typed,
      // which makes the server offer the matches).
      if (input.value === chosen.name) setValue(chosen.id, chosen.name); else select.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen) {
          if (items.length) open(); else search();
          if (items.length) highlight(event.key === "ArrowDown" ? 0 : items.length - 1);
          return;
        }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        if (isOpen && active >= 0) {
          event.preventDefault(); // choose, do not submit the form
          choose(items[active]);
        }
      } else if (event.key === "Escape") {
        if (isOpen) {
          event.preventDefault();
          close();
        } else if (input.value !== chosen.name) {
          event.preventDefault();
          input.value = chosen.name;
          setValue(chosen.id, chosen.name);
          say("");
        }
      } else if (event.key === "Tab" && isOpen && active >= 0) {
        choose(items[active]);
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  document.querySelectorAll(".picker").forEach(setUp);
})();
