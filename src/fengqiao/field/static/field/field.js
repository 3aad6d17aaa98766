/* 枫桥移动警务: the phone's offline queue (IndexedDB), one-tap steps stamped with the phone's time and
   position, the arrival proposal, and the service worker's registration. No inline script (strict CSP). */
(function () {
  "use strict";
  const DB = "fengqiao-field", STORE = "queue";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() :
    "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

  function currentUser() {
    const body = document.body.dataset.user;
    if (body) { localStorage.setItem("fengqiao-field-user", body); return body; }
    return localStorage.getItem("fengqiao-field-user") || "";
  }

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_id" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && out.result !== undefined ? out.result : out);
      t.onerror = () => reject(t.error);
    });
  }
  const all = () => tx("readonly", (s) => s.getAll());
  const put = (item) => tx("readwrite", (s) => s.put(item));
  const drop = (id) => tx("readwrite", (s) => s.delete(id));

  async function enqueue(kind, data) {
    const item = { client_id: uuid(), kind, data, user: currentUser(), made_at: new Date().toISOString(), state: "pending" };
    await put(item);
    await render();
    sync();
    return item;
  }

  async function mine() {
    const user = currentUser();
    return (await all()).filter((i) => i.user === user);
  }

  const LABELS = {
    worklog: "工作日志", incident_step: "出警环节", incident_note: "处置记录", intake: "现场接警",
    session_note: "调解记录", screening_call: "联络点排查", registration_check: "核查登记",
    evidence: "现场证据",
  };
  async function render() {
    const panel = $("#field-queue");
    if (!panel) return;
    const items = await mine();
    const pending = items.filter((i) => i.state !== "applied");
    $("#queue-count").textContent = String(pending.length);
    const list = $("#queue-list");
    list.replaceChildren();
    for (const i of items) {
      const li = document.createElement("li");
      li.className = "field-queue-item state-" + i.state;
      const when = new Date(i.made_at).toLocaleString("zh-CN", { hour12: false });
      let text = `${LABELS[i.kind] || i.kind} · ${when} · `;
      if (i.state === "pending") text += "等待上传";
      else if (i.state === "conflict") {
        const now = i.result && i.result.current && i.result.current.status;
        text += "有冲突:记录已被他人修改,请核对后重新填写" + (now ? "(现在:" + now + ")" : "");
      }
      else if (i.state === "refused") text += "被拒绝:" + ((i.result && i.result.error) || "");
      else text += "已同步";
      li.textContent = text;
      if (i.state === "conflict" || i.state === "refused") {
        const b = document.createElement("button");
        b.type = "button"; b.className = "linklike"; b.textContent = "知道了";
        b.addEventListener("click", async () => { await drop(i.client_id); render(); });
        li.append(" ", b);
      }
      list.append(li);
    }
    $("#queue-state").textContent = navigator.onLine ? "" : "现在没有网络,联网后自动上传。";
  }

  async function sendEvidence(panel, item) {
    const form = new FormData();
    for (const [k, v] of Object.entries(item.data)) if (v !== "" && v !== null && v !== undefined) form.append(k, v);
    form.append("client_id", item.client_id);
    form.append("file", item.blob, item.name || "evidence");
    const resp = await fetch(panel.dataset.evidenceUrl, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: form,
    });
    if (resp.status === 201) { await drop(item.client_id); return; }
    if (resp.status >= 400 && resp.status < 500 && resp.status !== 401) {
      let detail = "";
      try { detail = (await resp.json()).detail || ""; } catch (e) { detail = String(resp.status); }
      item.state = "refused"; item.result = { error: detail }; await put(item);
    }
  }

  let syncing = false;
  async function sync() {
    const panel = $("#field-queue");
    if (!panel || syncing || !navigator.onLine) return;
    const all = (await mine()).filter((i) => i.state === "pending");
    if (!all.length) return;
    syncing = true;
    const files = all.filter((i) => i.kind === "evidence");
    const pending = all.filter((i) => i.kind !== "evidence");
    try {
      for (const item of files) {
        if (panel.dataset.evidenceUrl) await sendEvidence(panel, item);
      }
      for (let k = 0; k < pending.length; k += 50) {
        const batch = pending.slice(k, k + 50);
        const resp = await fetch(panel.dataset.syncUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ items: batch.map((i) => ({ client_id: i.client_id, kind: i.kind, data: i.data })) }),
        });
        if (resp.status === 401 || resp.status === 403) { $("#queue-state").textContent = "请先登录,再同步"; break; }
        if (!resp.ok) break;
        const answer = await resp.json();
        for (const r of answer.receipts) {
          const item = batch.find((i) => i.client_id === r.client_id);
          if (!item) continue;
          if (r.state === "applied") await drop(item.client_id);
          else { item.state = r.state; item.result = r.result; await put(item); }
        }
      }
    } catch (e) {
      /* the network went away: the entries stay queued */
    } finally {
      syncing = false;
      render();
    }
  }

  function position() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (p) => resolve(p.coords), () => resolve(null), { enableHighAccuracy: true, timeout: 8000, maximumAge: 30000 });
    });
  }

  function bindOfflineForms() {
    document.querySelectorAll("form.field-offline-form").forEach((form) => {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (!form.reportValidity()) return;
        const data = Object.fromEntries(new FormData(form).entries());
        data.occurred_at = data.at = new Date().toISOString();
        const c = await position();
        if (c) { data.latitude = c.latitude; data.longitude = c.longitude; }
        await enqueue(form.dataset.kind, data);
        form.reset();
      });
    });
  }

  function bindSteps() {
    document.querySelectorAll("form.field-step-form").forEach((form) => {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (!form.reportValidity()) return;
        form.elements.at.value = new Date().toISOString();
        const c = await position();
        if (c) { form.elements.latitude.value = c.latitude; form.elements.longitude.value = c.longitude; form.elements.accuracy.value = c.accuracy; }
        if (navigator.onLine) { form.submit(); return; }
        const data = Object.fromEntries(new FormData(form).entries());
        delete data.csrfmiddlewaretoken;
        data.incident = $("#steps").dataset.incident;
        await enqueue("incident_step", data);
        form.replaceChildren(document.createTextNode("已保存在手机上,联网后上传"));
      });
    });
    const steps = $("#steps");
    const arrive = document.querySelector('form.field-step-form[data-step="arrive"]');
    if (steps && arrive && navigator.geolocation) {
      navigator.geolocation.watchPosition(async (p) => {
        if (!navigator.onLine) return;
        const q = new URLSearchParams({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy });
        const r = await fetch(steps.dataset.arrivalUrl + "?" + q, { credentials: "same-origin" });
        if (!r.ok) return;
        const a = await r.json();
        const hint = $("#arrival-hint");
        if (a.distance_m === null) return;
        hint.textContent = a.propose ? `您已在现场 ${Math.round(a.distance_m)} 米内,请点“到场”` : `距现场约 ${Math.round(a.distance_m)} 米`;
        arrive.classList.toggle("proposed", !!a.propose);
      }, () => {}, { enableHighAccuracy: true, maximumAge: 15000 });
    }
  }

  function bindEvidence() {
    document.querySelectorAll("form.field-evidence-form").forEach((form) => {
      form.addEventListener("submit", async (ev) => {
        if (form.dataset.ready) return;
        ev.preventDefault();
        if (!form.reportValidity()) return;
        form.elements.taken_at.value = new Date().toISOString();
        form.elements.client_id.value = uuid();
        const c = await position();
        if (c) { form.elements.latitude.value = c.latitude.toFixed(6); form.elements.longitude.value = c.longitude.toFixed(6); }
        if (navigator.onLine || !$("#field-queue")) { form.dataset.ready = "1"; form.submit(); return; }
        // No network: the file waits in IndexedDB with its phone-made id, sent when the network returns.
        const file = form.elements.file.files[0];
        const item = {
          client_id: form.elements.client_id.value, kind: "evidence", user: currentUser(),
          made_at: new Date().toISOString(), state: "pending", blob: file, name: file.name,
          data: {
            target: form.dataset.target, target_id: form.dataset.targetId, kind: form.elements.kind.value,
            note: form.elements.note.value, taken_at: form.elements.taken_at.value,
            latitude: form.elements.latitude.value, longitude: form.elements.longitude.value,
          },
        };
        await put(item);
        form.reset();
        await render();
      });
    });
  }

  function bindSignOut() {
    document.querySelectorAll('form[action$="/accounts/logout/"]').forEach((form) => {
      form.addEventListener("submit", () => {
        if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("signed-out");
        localStorage.removeItem("fengqiao-field-user");
      });
    });
  }

  async function enablePush(panel) {
    const reg = await navigator.serviceWorker.ready;
    if ((await Notification.requestPermission()) !== "granted") return;
    const key = (await (await fetch(panel.dataset.pushKey, { credentials: "same-origin" })).json()).key;
    const raw = Uint8Array.from(atob(key.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((key.length + 3) % 4)), (c) => c.charCodeAt(0));
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: raw });
    await fetch(panel.dataset.pushSubscribe, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(sub),
    });
    $("#push-enable").hidden = true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const panel = $("#field-queue");
    if (panel && panel.dataset.sw && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(panel.dataset.sw, { scope: panel.dataset.scope }).catch(() => {});
    }
    const pushButton = $("#push-enable");
    if (pushButton && panel && "PushManager" in window && "Notification" in window && Notification.permission !== "denied") {
      pushButton.hidden = false;
      pushButton.addEventListener("click", () => enablePush(panel).catch(() => {}));
    }
    const queueSync = $("#queue-sync");
    if (queueSync) queueSync.addEventListener("click", () => sync());
    bindOfflineForms(); bindSteps(); bindEvidence(); bindSignOut();
    render(); sync();
    window.addEventListener("online", sync);
    window.addEventListener("online", render);
    window.addEventListener("offline", render);
    window.fengqiaoField = { enqueue, sync, all: mine };
  });
})();
