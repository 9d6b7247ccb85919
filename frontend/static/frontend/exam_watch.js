// A sitting watched live: the proctor dashboard ("board") and the results page ("results").
// The socket sends the whole table on connect and every tick, and one row when an attempt
// changes (docs/exam-protocol.md, "Watching a sitting").
(function () {
  "use strict";
  const Kaohe = window.Kaohe;
  const config = Kaohe.config();
  const { urls, words } = config;
  const $ = (id) => document.getElementById(id);
  const CLOSED = new Set(["graded", "terminated", "expired", "submitted"]);
  let deadlines = {};  // attempt id -> performance.now() at which its time runs out

  function text(tag, value, className) {
    const element = document.createElement(tag);
    element.textContent = value === null || value === undefined ? "" : value;
    if (className) element.className = className;
    return element;
  }

  function cell(className, value) { return text("td", value, className); }

  function actions(row) {
    const td = document.createElement("td");
    td.className = "actions";
    // What the forms act on: while it stays the same, the forms (and what a proctor is typing
    // into them) are kept across pushes.
    td.dataset.key = [row.attempt_id || "", row.status, row.referred ? "referred" : ""].join("|");
    if (!row.attempt_id || CLOSED.has(row.status)) return td;
    const template = $("actions-template");
    if (!template) return td;
    td.appendChild(template.content.cloneNode(true));
    td.querySelectorAll("form").forEach((form) => {
      form.action = Kaohe.url(urls.actions[form.dataset.action], { attempt: row.attempt_id });
      if (form.dataset.action === "confirm-identity" && !row.referred) form.remove();
    });
    return td;
  }

  // The candidate's video: a thumbnail of the latest sampled frame and a link to the view.
  const FINDINGS = new Set(["no_face", "several_faces", "mismatch", "covered", "frozen"]);
  function video(row) {
    const td = cell("video", "");
    const link = row.video;
    if (!link || !row.attempt_id) return td;
    td.dataset.status = link.status;
    td.dataset.state = link.state || "";
    if (link.at) {
      const img = document.createElement("img");
      img.className = "thumbnail";
      img.alt = words.video;
      img.width = 80; img.height = 60;
      img.src = `${Kaohe.url(urls.video_frame, { attempt: row.attempt_id })}?t=${encodeURIComponent(link.at)}`;
      td.appendChild(img);
    }
    const open = document.createElement("a");
    open.href = Kaohe.url(urls.video, { attempt: row.attempt_id });
    open.textContent = link.status === "live" ? words.video_live : words.video_down;
    open.className = "video-open";
    td.appendChild(document.createElement("br"));
    td.appendChild(open);
    return td;
  }

  function render(row) {
    const tr = document.createElement("tr");
    tr.dataset.person = row.person_id;
    tr.dataset.attempt = row.attempt_id || "";
    tr.dataset.status = row.status;
    // A flagged candidate (the video shows a finding now) rises to the top of the board.
    tr.dataset.flagged = row.video && FINDINGS.has(row.video.state) ? "1" : "";
    const who = cell("", row.name);
    who.appendChild(document.createElement("br"));
    who.appendChild(text("small", row.id_number));
    tr.appendChild(who);
    tr.appendChild(cell("status", row.status_label || "—"));
    if (config.view === "board") {
      tr.appendChild(cell("time-left", ""));
      tr.appendChild(cell("answered", `${row.answered} / ${row.questions}`));
      tr.appendChild(cell("snapshot", row.snapshot_label || ""));
      tr.appendChild(video(row));
      const events = cell("events", "");
      for (const incident of row.incidents) {
        events.appendChild(text("span", incident.label, `incident ${incident.kind}`));
        // A video finding's clip (about 10 s before and after it), once stored.
        if (incident.detail && incident.detail.clip && urls.video_clip) {
          const clip = text("a", words.clip || "clip", "clip");
          clip.href = Kaohe.url(urls.video_clip, { attempt: row.attempt_id, clip: incident.detail.clip });
          clip.target = "_blank";
          events.appendChild(document.createTextNode(" "));
          events.appendChild(clip);
        }
        events.appendChild(document.createTextNode(" "));
      }
      tr.appendChild(events);
      tr.appendChild(cell("score", row.score));
      tr.appendChild(actions(row));
      if (row.remaining_seconds !== null && row.remaining_seconds !== undefined) {
        deadlines[row.attempt_id] = performance.now() + row.remaining_seconds * 1000;
      } else {
        delete deadlines[row.attempt_id];
      }
    } else {
      tr.appendChild(cell("score", row.score === null || row.score === undefined ? "" : String(Number(row.score))));
      tr.appendChild(cell("passed", row.passed === true ? words.passed : row.passed === false ? words.failed : ""));
      tr.appendChild(cell("graded-at", row.graded_at_local || ""));
    }
    return tr;
  }

  // A row is updated in place. Its forms stay in the document (neither replaced nor moved, which
  // would drop the focus and what a proctor is typing) unless what they act on has changed.
  function put(row) {
    const fresh = render(row);
    let tr = document.querySelector(`#rows tr[data-person="${row.person_id}"]`);
    const kept = tr && tr.querySelector("td.actions");
    const next = fresh.querySelector("td.actions");
    if (kept && next && kept.dataset.key === next.dataset.key) {
      Array.from(tr.children).forEach((td) => { if (td !== kept) td.remove(); });
      Array.from(fresh.children).forEach((td) => { if (td !== next) kept.before(td); });
      Object.assign(tr.dataset, fresh.dataset);
    } else if (tr) {
      tr.replaceWith(fresh);
      tr = fresh;
    } else {
      tr = fresh;
      $("rows").appendChild(tr);
    }
    if (tr.dataset.flagged && $("rows").firstElementChild !== tr) $("rows").prepend(tr);
  }

  // The whole table: every row updated in place, and the rows no longer in it removed.
  function putAll(rows) {
    const people = new Set(rows.map((row) => String(row.person_id)));
    document.querySelectorAll("#rows tr").forEach((tr) => { if (!people.has(tr.dataset.person)) tr.remove(); });
    rows.forEach(put);
  }

  // Thumbnails of live videos are refreshed every few seconds between the pushes.
  function thumbnails() {
    document.querySelectorAll('#rows td.video[data-status="live"] img.thumbnail').forEach((img) => {
      img.src = `${img.src.split("?")[0]}?t=${Date.now()}`;
    });
  }

  function summary(figures) {
    if (!figures) return;
    $("sum-candidates").textContent = figures.candidates;
    $("sum-in-progress").textContent = figures.in_progress;
    $("sum-graded").textContent = figures.graded;
    $("sum-passed").textContent = figures.passed;
  }

  function clocks() {
    document.querySelectorAll("#rows tr").forEach((tr) => {
      const cellLeft = tr.querySelector("td.time-left");
      const at = deadlines[tr.dataset.attempt];
      if (!cellLeft) return;
      if (at === undefined) { cellLeft.textContent = ""; return; }
      cellLeft.textContent = Kaohe.countdown((at - performance.now()) / 1000);
    });
  }

  function liveState(state, text) {
    $("live-state").textContent = text;
    $("live-state").dataset.state = state;
  }

  function receive(message) {
    if (message.type === "rows") {
      deadlines = {};
      putAll(message.rows);
    } else if (message.type === "row") {
      message.rows.forEach(put);
    }
    summary(message.summary);
    clocks();
  }

  setInterval(clocks, 1000);
  if (config.view === "board") setInterval(thumbnails, 5000);
  Kaohe.socket(config.socket.path, {
    finalCodes: config.socket.final_close_codes,
    onopen: () => liveState("live", words.live),
    onmessage: receive,
    onclose: () => liveState("offline", words.offline),
  });
})();
