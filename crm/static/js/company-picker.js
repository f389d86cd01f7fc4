// Pickers (crm/pickers.py; macros company_picker and titles_picker in _forms.html): the text
// box becomes a combobox that asks the server for matches as you type (English, Chinese,
// pinyin). The server checks whatever is posted. Without JavaScript the same markup works:
// type, save, choose among the matches, save.
//
// * A company picker (.picker): choosing puts the company's id in the field's <select>
//   (hidden here) and fires "change" on it, so page scripts that watch the select (contacts
//   of the chosen company) keep working.
// * A titles picker (.picker.picker-multi): choosing adds a ticked box named like the field
//   to the chosen titles (unticking one removes it) and empties the box for the next search.
(function () {
  "use strict";

  var DELAY = 200; // ms after the last key before asking the server

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // The combobox both pickers share. hooks: choose(item), typed() after each key that changes
  // the text, revert() on Escape with the list closed (true if it did something), taken(item)
  // for matches already chosen (multi picker).
  function combobox(root, input, hooks) {
    var status = root.querySelector(".picker-status");
    var list = document.createElement("ul");
    list.id = input.id + "-listbox";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", root.dataset.listLabel);
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    root.classList.add("picker-ready");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0; // number of the latest request: older answers are dropped

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

    function show(data) {
      items = data.items || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(span("picker-name", item.name));
        var extra = [item.other, item.country, item.format].filter(Boolean);
        if (hooks.taken && hooks.taken(item)) extra.push(root.dataset.taken);
        if (extra.length) option.appendChild(span("picker-extra", extra.join(" · ")));
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
          if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") < 0) throw new Error();
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

    function choose(item) {
      close();
      say(hooks.choose(item));
    }

    input.addEventListener("input", function () {
      if (hooks.typed) hooks.typed();
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
        } else if (hooks.revert && hooks.revert()) {
          event.preventDefault();
          say("");
        }
      } else if (event.key === "Tab" && isOpen && active >= 0) {
        choose(items[active]);
      }
    });

    input.addEventListener("blur", function () {
      close();
    });

    // A new search starts from an empty list (the multi picker empties the box after a choice).
    return {forget: function () { items = []; asked++; clearTimeout(timer); }};
  }

  function setUpCompany(root) {
    var input = root.querySelector(".picker-input");
    var select = root.querySelector(".picker-select");
    var shown = root.querySelector(".picker-shown");
    if (!input || !select || !shown) return;
    if (!root.classList.contains("picker-step")) {
      // The select only carries the chosen id; after the server's search step it shows the matches.
      select.tabIndex = -1;
      select.setAttribute("aria-hidden", "true");
    }
    var chosen = {id: select.value, name: input.value}; // what Escape goes back to

    function setValue(id, label) {
      var value = id ? String(id) : "";
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        option = new Option(label, value);
        select.add(option);
      }
      select.value = value;
    }

    combobox(root, input, {
      choose: function (item) {
        setValue(item.id, item.label);
        input.value = item.name;
        shown.value = item.name; // the server sees the box unchanged: the chosen id decides
        chosen = {id: String(item.id), name: item.name};
        select.dispatchEvent(new Event("change", {bubbles: true}));
        return item.label;
      },
      typed: function () {
        // Typing drops the previous choice until a match is chosen (or the box is saved as typed,
        // which makes the server offer the matches).
        if (input.value === chosen.name) setValue(chosen.id, chosen.name); else select.value = "";
      },
      revert: function () {
        if (input.value === chosen.name) return false;
        input.value = chosen.name;
        setValue(chosen.id, chosen.name);
        return true;
      }
    });
  }

  function setUpTitles(root) {
    var input = root.querySelector(".picker-input");
    var shown = root.querySelector(".picker-shown");
    var chosenList = root.querySelector(".picker-chosen");
    if (!input || !shown || !chosenList) return;
    var name = root.dataset.name;

    function box(id) {
      return Array.prototype.find.call(root.querySelectorAll("input[type=checkbox]"), function (b) {
        return b.name === name && b.value === String(id);
      });
    }

    var picker = combobox(root, input, {
      choose: function (item) {
        var existing = box(item.id);
        if (existing) {
          existing.checked = true;
          chosenList.appendChild(existing.closest("li")); // from the matches of a no-JS step
        } else {
          var li = document.createElement("li");
          var label = document.createElement("label");
          var checkbox = document.createElement("input");
          label.className = "check";
          checkbox.type = "checkbox";
          checkbox.name = name;
          checkbox.value = String(item.id);
          checkbox.checked = true;
          label.appendChild(checkbox);
          label.appendChild(document.createTextNode(" " + item.label));
          li.appendChild(label);
          chosenList.appendChild(li);
        }
        input.value = ""; // ready for the next title; an empty box is no search for the server
        shown.value = "";
        picker.forget();
        return root.dataset.added.replace("__NAME__", item.label);
      },
      taken: function (item) {
        var existing = box(item.id);
        return Boolean(existing && existing.checked);
      },
      revert: function () {
        if (!input.value) return false;
        input.value = "";
        return true;
      }
    });
  }

  document.querySelectorAll(".picker").forEach(function (root) {
    if (root.classList.contains("picker-ready")) return;
    if (root.classList.contains("picker-multi")) setUpTitles(root); else setUpCompany(root);
  });
})();
