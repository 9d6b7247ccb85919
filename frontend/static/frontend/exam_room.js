// The exam room: the identity check, then the paper over the room's WebSocket
// (docs/exam-protocol.md). An answer counts as saved only when the server acknowledges it; until
// then it waits in `pending` and is sent again after a reconnect. The countdown follows the
// server's remaining time, resynchronised by every tick.
(function () {
  "use strict";
  const Kaohe = window.Kaohe;
  const webcam = window.KaoheWebcam;
  const config = Kaohe.config();
  const { urls, words } = config;
  const $ = (id) => document.getElementById(id);
  const HEARTBEAT_MS = 15000;
  const show = (id, on) => { $(id).hidden = !on; };

  let link = null;  // the room's socket, opened at the end of this file
  let seq = 0;
  let status = config.status;
  let questions = [];
  const confirmed = {};   // question id -> options the server acknowledged
  const pending = {};     // question id -> {options, seq} not yet acknowledged
  let deadlineAt = null;  // performance.now() at which the server's time runs out
  let countdownTimer = null;
  let heartbeatTimer = null;
  // Question ids the candidate marked for review. Kept in this tab's session storage, by attempt,
  // so that a reload keeps them; they are the candidate's notes, never sent to the server.
  const FLAGS_KEY = `kaohe-flags:${config.socket}`;
  const flagged = new Set(readFlags());
  function readFlags() {
    try { return JSON.parse(sessionStorage.getItem(FLAGS_KEY) || "[]").map(Number); } catch (e) { return []; }
  }
  function saveFlags() {
    try { sessionStorage.setItem(FLAGS_KEY, JSON.stringify([...flagged])); } catch (e) { /* storage refused: this page only */ }
  }
  let current = 0;            // the index shown when one question at a time

  // The identity check ---------------------------------------------------------------------------

  let identityStarted = false;
  async function identityStage() {
    show("identity", true);
    if (identityStarted) return;
    identityStarted = true;
    if (config.referred) { show("identity-referred", true); $("identity-check").disabled = true; }
    try { await webcam.start($("identity-camera")); }
    catch (e) { $("identity-message").textContent = words.no_camera; $("identity-check").disabled = true; }
  }

  $("identity-check").addEventListener("click", async () => {
    const button = $("identity-check");
    button.disabled = true;
    $("identity-message").textContent = words.checking;
    let data;
    try {
      // The server chooses the challenge and gives the one-time nonce the burst must carry.
      const request = await Kaohe.api(urls.identity_request, { method: "POST" });
      const frames = await webcam.burst($("identity-camera"), request.frames, {
        prompt: request.challenge ? () => { $("identity-message").textContent = words[request.challenge]; } : null,
      });
      $("identity-message").textContent = words.checking;
      data = await webcam.uploadBurst(urls.identity, frames, request.nonce);
    } catch (error) {
      // A refusal's body says why (and how many tries are left); no answer at all is the camera's.
      data = error instanceof Kaohe.ApiError && error.status ? error.data : { message: words.no_camera };
    }
    $("identity-message").textContent = data.message || "";
    if (typeof data.tries_left === "number") $("tries-left").textContent = data.tries_left;
    if (data.verified || data.code === "identity_already_verified") { link.connect(); return; }
    if (data.referred || data.code === "identity_referred") { show("identity-referred", true); link.connect(); return; }
    button.disabled = false;
  });

  // The socket ---------------------------------------------------------------------------------

  function send(message) {
    return link.send(message);
  }

  function linkState(state) {
    $("link-state").dataset.state = state;
    $("link-text").textContent = state === "online" ? words.online : words.offline;
  }

  function online() {
    show("connection", false);
    $("connection").dataset.state = "online";
    linkState("online");
    send({ type: "join", seq: ++seq });
    clearInterval(heartbeatTimer);
    heartbeatTimer = setInterval(() => send({ type: "heartbeat" }), HEARTBEAT_MS);
  }

  function offline(event, retrying) {
    clearInterval(heartbeatTimer);
    if (!retrying) return;  // the attempt is over, or the server refused the room for good
    show("connection", true);
    $("connection").dataset.state = "offline";
    linkState("offline");
  }

  function connect() {
    link = Kaohe.socket(config.socket.path, {
      finalCodes: config.socket.final_close_codes, onopen: online, onmessage: receive, onclose: offline,
    });
  }

  function receive(message) {
    switch (message.type) {
      case "state": return onState(message);
      case "ack": return onAck(message);
      case "answered": confirmed[message.question] = message.options; return renderAnswer(message.question);
      case "tick": return syncClock(message.remaining_seconds);
      case "warning": return onWarning(message);
      case "snapshot": return onSnapshot(message);
      case "evidence": return onEvidence(message);
      case "video": return onVideo(message);
      case "error": return onError(message);
    }
  }

  function onState(state) {
    status = state.status;
    ["identity", "ready", "paper", "result", "closed"].forEach((id) => show(id, false));
    if (status === "created") { identityStage(); return; }
    if (status === "identity_verified") { show("ready", true); return; }
    if (status === "in_progress") {
      if (!questions.length) renderPaper(state.questions);
      Object.assign(confirmed, state.answers || {});
      Object.keys(confirmed).forEach(renderAnswer);
      show("paper", true);
      syncClock(state.remaining_seconds);
      resendPending();
      cameraOn();
      return;
    }
    stopExam();
    if (status === "graded" || status === "submitted") return showResult(state.result);
    show("closed", true);
    $("closed-title").textContent = status === "terminated" ? words.terminated : words.expired;
    $("closed-reason").textContent = state.reason || "";
    link.stop();
  }

  function showResult(result) {
    show("result", true);
    if (!result) return;
    $("score").textContent = result.score;
    $("max-score").textContent = result.max_score;
    $("verdict").textContent = (result.passed ? words.passed : words.failed) + ` (${words.pass_mark} ${result.pass_mark})`;
    $("verdict").className = result.passed ? "passed" : "failed";
    $("review-link").hidden = !result.review;
    link.stop();
  }

  function onAck(message) {
    if (message.question === undefined) return;
    const waiting = pending[message.question];
    if (waiting && waiting.seq === message.seq) delete pending[message.question];
    confirmed[message.question] = message.options;
    renderAnswer(message.question);
  }

  function onError(message) {
    // An answer the server refused is no longer pending; the paper shows what it holds.
    for (const [question, waiting] of Object.entries(pending)) {
      if (waiting.seq === message.seq) { delete pending[question]; renderAnswer(question); }
    }
    if (message.code === "attempt_expired" || message.code === "attempt_closed") send({ type: "join", seq: ++seq });
    $("save-state").textContent = message.message || message.code;
  }

  function onWarning(message) {
    const banner = $("proctor-warning");
    banner.textContent = message.message;
    banner.hidden = false;
  }

  function onSnapshot(message) {
    if (message.decision && message.decision !== "verified") onWarning({ message: message.message });
  }

  // The paper ----------------------------------------------------------------------------------

  function renderPaper(list) {
    questions = list || [];
    const container = $("questions");
    const grid = $("answer-card-grid");
    container.textContent = "";
    grid.textContent = "";
    questions.forEach((question, index) => {
      const item = document.createElement("li");
      item.className = "question";
      item.dataset.question = question.id;
      item.id = `question-${question.id}`;
      const head = document.createElement("div");
      head.className = "qhead";
      const stem = document.createElement("p");
      stem.className = "stem";
      const number = document.createElement("span");
      number.className = "qnum";
      number.textContent = `${index + 1}.`;
      stem.appendChild(number);
      stem.appendChild(document.createTextNode(`${question.stem} `));
      const meta = document.createElement("small");
      meta.textContent = `（${words[question.kind]} · ${Number(question.points)} ${words.points}）`;
      stem.appendChild(meta);
      const flag = document.createElement("button");
      flag.type = "button";
      flag.className = "flag";
      flag.setAttribute("aria-pressed", String(flagged.has(question.id)));
      flag.textContent = flagged.has(question.id) ? words.unflag : words.flag;
      flag.addEventListener("click", () => toggleFlag(question.id));
      head.appendChild(stem);
      head.appendChild(flag);
      item.appendChild(head);
      const cell = document.createElement("button");
      cell.type = "button";
      cell.dataset.question = question.id;
      cell.dataset.state = "unanswered";
      cell.textContent = String(index + 1);
      cell.title = words.question_number.replace("%(number)s", index + 1);
      cell.addEventListener("click", () => goTo(index));
      grid.appendChild(cell);
      const many = question.kind === "multiple";
      for (const option of question.options) {
        const label = document.createElement("label");
        label.className = "option";
        const input = document.createElement("input");
        input.type = many ? "checkbox" : "radio";
        input.name = `q${question.id}`;
        input.value = option.id;
        input.addEventListener("change", () => choose(question, item));
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + option.text));
        item.appendChild(label);
      }
      const state = document.createElement("span");
      state.className = "answer-state";
      item.appendChild(state);
      container.appendChild(item);
    });
    $("question-count").textContent = questions.length;
    showCurrent();
  }

  // The answer card: one button per question, answered / unanswered / saving, and marked.
  function renderCell(questionId) {
    const cell = $("answer-card-grid").querySelector(`button[data-question="${questionId}"]`);
    if (!cell) return;
    cell.dataset.state = pending[questionId] ? "pending" : (confirmed[questionId] ? "answered" : "unanswered");
    cell.dataset.flagged = String(flagged.has(Number(questionId)));
  }

  function toggleFlag(questionId) {
    if (flagged.has(questionId)) flagged.delete(questionId); else flagged.add(questionId);
    saveFlags();
    const button = document.querySelector(`li.question[data-question="${questionId}"] .flag`);
    button.setAttribute("aria-pressed", String(flagged.has(questionId)));
    button.textContent = flagged.has(questionId) ? words.unflag : words.flag;
    renderCell(questionId);
  }

  function oneAtATime() { return $("one-at-a-time").checked; }

  function goTo(index) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    showCurrent();
    const question = questions[current];
    if (!question) return;
    if (!oneAtATime()) $(`question-${question.id}`).scrollIntoView({ block: "start" });
    if (window.matchMedia("(max-width: 800px)").matches) toggleCard(false);
  }

  function showCurrent() {
    const single = oneAtATime();
    $("questions").classList.toggle("one-at-a-time", single);
    show("paper-nav", single);
    document.querySelectorAll("li.question").forEach((item, index) => item.classList.toggle("current", index === current));
    $("answer-card-grid").querySelectorAll("button").forEach((cell, index) => {
      if (index === current) cell.setAttribute("aria-current", "true"); else cell.removeAttribute("aria-current");
    });
    $("previous-question").disabled = current === 0;
    $("next-question").disabled = current >= questions.length - 1;
  }

  function toggleCard(open) {
    const card = $("answer-card");
    const next = open === undefined ? !card.classList.contains("open") : open;
    card.classList.toggle("open", next);
    $("answer-card-toggle").setAttribute("aria-expanded", String(next));
  }

  $("one-at-a-time").addEventListener("change", showCurrent);
  $("previous-question").addEventListener("click", () => goTo(current - 1));
  $("next-question").addEventListener("click", () => goTo(current + 1));
  $("answer-card-toggle").addEventListener("click", () => toggleCard());

  function choose(question, item) {
    const options = [...item.querySelectorAll("input:checked")].map((input) => input.value);
    if (!options.length) return;  // a multiple choice emptied: nothing to save yet
    const message = { type: "answer", seq: ++seq, question: question.id, options: options };
    pending[question.id] = { options: options, seq: message.seq };
    renderAnswer(question.id);
    send(message);
  }

  function resendPending() {
    for (const [question, waiting] of Object.entries(pending)) {
      waiting.seq = ++seq;
      send({ type: "answer", seq: waiting.seq, question: Number(question), options: waiting.options });
    }
  }

  function renderAnswer(questionId) {
    const item = document.querySelector(`li.question[data-question="${questionId}"]`);
    if (!item) return;
    const waiting = pending[questionId];
    const chosen = waiting ? waiting.options : (confirmed[questionId] || []);
    item.querySelectorAll("input").forEach((input) => { input.checked = chosen.includes(input.value); });
    item.dataset.saved = waiting ? "pending" : (confirmed[questionId] ? "saved" : "");
    item.querySelector(".answer-state").textContent = waiting ? words.saving : "";
    renderCell(questionId);
    $("answered-count").textContent = Object.keys(confirmed).length;
    $("save-state").textContent = Object.keys(pending).length ? words.saving : words.saved;
  }

  // Time -------------------------------------------------------------------------------------

  function syncClock(remaining) {
    if (typeof remaining !== "number") return;
    deadlineAt = performance.now() + remaining * 1000;
    if (!countdownTimer) countdownTimer = setInterval(drawClock, 250);
    drawClock();
  }

  function drawClock() {
    if (deadlineAt === null) return;
    const left = Math.max(0, Math.round((deadlineAt - performance.now()) / 1000));
    $("countdown").textContent = Kaohe.countdown(left);
    $("countdown").classList.toggle("low", left <= 300);
    if (left === 0) send({ type: "heartbeat" });  // the server closes the attempt and says so
  }

  function stopExam() {
    clearInterval(countdownTimer);
    countdownTimer = null;
    if (videoLink) { videoLink.stop(); videoLink = null; }
  }

  $("start").addEventListener("click", () => send({ type: "start", seq: ++seq }));
  // Submitting asks first, naming the questions still unanswered and those marked for review.
  $("submit").addEventListener("click", async () => {
    const numbers = (keep) => questions.map((q, i) => (keep(q) ? i + 1 : null)).filter((n) => n !== null).join("、");
    const unanswered = numbers((q) => !confirmed[q.id]);
    const marked = numbers((q) => flagged.has(q.id));
    const items = [];
    items.push(unanswered ? words.unanswered_list.replace("%(numbers)s", unanswered) : words.all_answered);
    if (marked) items.push(words.flagged_list.replace("%(numbers)s", marked));
    const sure = await Kaohe.confirm({ text: words.confirm_submit, items, okLabel: words.submit_ok, tone: "primary" });
    if (sure) send({ type: "submit", seq: ++seq });
  });

  // Proctoring -------------------------------------------------------------------------------

  async function cameraOn() {
    const video = $("exam-camera");
    if (video.srcObject) { videoOn(video.srcObject); return true; }
    try { videoOn(await webcam.start(video)); } catch (e) { return false; }
    return true;
  }

  // The live video: published beside the room, never in its way (video.js). What the server's
  // checks say comes back over the room's socket as `video` messages.
  let videoLink = null;
  function videoOn(stream) {
    if (videoLink || !window.KaoheVideo || !urls.video_offer) return;
    videoLink = window.KaoheVideo.publish(stream, urls.video_offer, {
      iceServers: config.ice_servers || [],
      active: () => status === "in_progress",
      onState: (state) => showVideo(state, state === "live" ? words.video_live : words.video_down),
    });
  }

  function showVideo(state, text) {
    const element = $("video-state");
    element.dataset.state = state;
    element.textContent = text || "";
  }

  function onVideo(message) {
    if (message.status === "down") return showVideo("down", message.message || words.video_down);
    if (message.setting && videoLink) videoLink.apply(message.setting);  // a poor link stepped down
    showVideo(message.state || "live", message.message || words.video_live);
  }

  // The server says when a snapshot is due (a request with its nonce); each is answered once.
  let answered = null;
  async function onEvidence(request) {
    if (status !== "in_progress" || answered === request.id) return;
    answered = request.id;
    if (!(await cameraOn())) return;
    const notice = $("evidence-prompt");
    try {
      const frames = await webcam.burst($("exam-camera"), request.frames, {
        prompt: request.challenge ? () => { notice.textContent = words[request.challenge]; notice.hidden = false; } : null,
      });
      notice.hidden = true;
      await webcam.uploadBurst(urls.snapshot, frames, request.nonce);
    } catch (e) {
      notice.hidden = true;  // refused or not delivered: the server asks again
      answered = null;
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden && status === "in_progress") send({ type: "event", event: "page_hidden" });
  });
  window.addEventListener("blur", () => {
    if (status === "in_progress") send({ type: "event", event: "focus_lost" });
  });

  // The socket's first state says where the attempt stands.
  connect();
})();
