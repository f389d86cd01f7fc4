// Pipeline board: drag a card onto another column to move the deal (saved at once),
// and "Load more" fetches a column's next page. Without JavaScript every card keeps its
// "Move to…" form and "Load more" is a plain link, so nothing here is required.
(function () {
  "use strict";
  var board = document.querySelector(".board[data-csrf]");
  if (!board) return;
  var csrf = board.getAttribute("data-csrf");
  var status = document.querySelector(".board-status");
  var dialog = document.getElementById("move-dialog");
  var dragged = null;

  function say(message) {
    if (status && message) status.textContent = message;
  }

  function columnOf(stageId) {
    return board.querySelector('.board-column[data-stage-id="' + stageId + '"]');
  }

  function refreshEmpty(column) {
    if (!column) return;
    var empty = column.querySelector(".empty");
    if (empty) empty.hidden = !!column.querySelector(".deal-card");
  }

  function placeCard(card, column) {
    // Newest in the stage first: right under the column header.
    var header = column.querySelector("header");
    header.insertAdjacentElement("afterend", card);
    refreshEmpty(column);
  }

  function updateCard(card, stageId, version) {
    card.setAttribute("data-stage-id", stageId);
    card.setAttribute("data-version", version);
    var form = card.querySelector(".move-form");
    if (form) {
      form.elements.version.value = version;
      form.elements.stage_id.value = stageId;
    }
  }

  function updateColumns(columns) {
    board.querySelectorAll(".board-column").forEach(function (column) {
      var data = columns[column.getAttribute("data-stage-id")];
      var count = column.querySelector(".column-count");
      var amount = column.querySelector(".total-amount");
      var rates = column.querySelector(".total-rates");
      var missing = column.querySelector(".total-missing");
      if (!data) return;
      if (count) count.textContent = data.count_text;
      if (amount) amount.textContent = data.amount;
      if (rates) rates.textContent = data.rates;
      if (missing) {
        missing.textContent = data.missing;
        missing.hidden = !data.missing;
      }
    });
  }

  function post(card, payload) {
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().then(
        function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: {} }; }
      );
    });
  }

  function askFor(field, message) {
    // Resolves with the value typed in the dialog, or null when cancelled.
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(null);
        return;
      }
      var form = dialog.querySelector("form");
      dialog.querySelector(".move-dialog-message").textContent = message || "";
      dialog.querySelectorAll("[data-field]").forEach(function (label) {
        var input = label.querySelector("input");
        var wanted = label.getAttribute("data-field") === field;
        label.hidden = !wanted;
        input.required = wanted;
        input.value = "";
      });
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        var input = form.elements[field];
        resolve(dialog.returnValue === "confirm" && input.value ? input.value : null);
      });
      dialog.showModal();
      var input = form.elements[field];
      if (input) input.focus();
    });
  }

  function move(card, from, to, extra) {
    var payload = {
      stage_id: Number(to.getAttribute("data-stage-id")),
      version: Number(card.getAttribute("data-version")),
    };
    Object.keys(extra || {}).forEach(function (key) { payload[key] = extra[key]; });
    card.classList.add("is-saving");
    return post(card, payload).then(function (result) {
      card.classList.remove("is-saving");
      var body = result.body || {};
      if (result.status === 200) {
        updateCard(card, body.stage_id, body.version);
        updateColumns(body.columns || {});
        say([body.message].concat(body.warnings || []).join(" "));
        return;
      }
      // A detail the move needs (a loss reason, a signing date, a manager's override reason for a
      // rights conflict): ask for it in the dialog, then send the move again with every detail so far.
      if (result.status === 400 && body.field && dialog && dialog.querySelector('[data-field="' + body.field + '"]')) {
        return askFor(body.field, body.error).then(function (value) {
          if (value === null) {
            placeCard(card, from);
            refreshEmpty(to);
            return;
          }
          var more = Object.assign({}, extra);
          more[body.field] = value;
          return move(card, from, to, more);
        });
      }
      // 409 (someone else moved it: show it where it really is now), 400, 403, 404...
      var now = body.stage_id ? columnOf(body.stage_id) : from;
      if (body.version) updateCard(card, body.stage_id || card.getAttribute("data-stage-id"), body.version);
      if (now) placeCard(card, now); else card.remove();
      refreshEmpty(to);
      refreshEmpty(from);
      say(body.error || board.getAttribute("data-msg-failed"));
      window.alert(body.error || board.getAttribute("data-msg-failed"));
    }).catch(function () {
      card.classList.remove("is-saving");
      placeCard(card, from);
      refreshEmpty(to);
      say(board.getAttribute("data-msg-failed"));
    });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id"));
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });

  board.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!dragged || !column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    var card = dragged;
    var from = card.closest(".board-column");
    if (from === column) return;
    placeCard(card, column);
    refreshEmpty(from);
    move(card, from, column, {});
  });

  board.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.load-more");
    if (!link) return;
    event.preventDefault();
    link.classList.add("is-saving");
    var url = link.getAttribute("href") + (link.getAttribute("href").indexOf("?") < 0 ? "?" : "&") + "fragment=1";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        // Server-rendered markup of our own cards (escaped by Jinja); skip cards already shown
        // (a card moved here by drag and drop may come again in a later page).
        var holder = document.createElement("template");
        holder.innerHTML = html;
        holder.content.querySelectorAll(".deal-card").forEach(function (card) {
          if (document.getElementById(card.id)) card.remove();
        });
        link.replaceWith(holder.content);
      })
      .catch(function () {
        link.classList.remove("is-saving");
        say(board.getAttribute("data-msg-failed"));
      });
  });
})();
