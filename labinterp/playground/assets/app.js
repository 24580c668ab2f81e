// The playground page: load Pyodide and labinterp's wheels from this site, build the form
// from the catalog, and interpret on every change. labinterp decides everything; this file
// only moves text between the form and labinterp's bridge (labinterp.playground.bridge).
import { loadPyodide } from "./pyodide/pyodide.mjs";

const $ = (id) => document.getElementById(id);
const progress = $("progress");
const step = $("loading-step");

function report(fraction, text) {
  progress.value = Math.round(fraction * 100);
  step.textContent = text;
}

// Milliseconds since the page began to load, per stage; read by benchmarks/playground.py.
const stages = {};

async function fetchWheel(name) {
  const response = await fetch(new URL(`./wheels/${name}`, import.meta.url));
  if (!response.ok) throw new Error(`cannot load wheels/${name}: ${response.status}`);
  return response.arrayBuffer();
}

async function boot() {
  report(0.02, "Starting Python (Pyodide)...");
  // The wheels download while the runtime starts; they are unpacked in manifest order.
  const wheels = fetch(new URL("./manifest.json", import.meta.url))
    .then((response) => response.json())
    .then((manifest) => Promise.all(manifest.wheels.map(async (name) => [name, await fetchWheel(name)])));
  const pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
  stages.runtime = performance.now();
  const downloaded = await wheels;
  downloaded.forEach(([name, data], i) => {
    report(0.4 + (0.5 * i) / downloaded.length, `Installing ${name}`);
    pyodide.unpackArchive(data, "wheel");
  });
  stages.wheels = performance.now();
  report(0.92, "Loading labinterp...");
  const bridge = pyodide.pyimport("labinterp.playground.bridge");
  stages.imported = performance.now();
  return bridge;
}

const ready = boot();

async function interpret(panel, options = {}) {
  const bridge = await ready;
  const request = {
    panel,
    pack: options.pack ?? null,
    pack_yaml: options.packYaml ?? null,
    audience: options.audience ?? "learner",
    format: options.format ?? "html",
  };
  return JSON.parse(bridge.interpret_request(JSON.stringify(request)));
}

// The API for course sites that embed the page without its form.
window.labinterp = {
  ready: ready.then(() => undefined),
  async interpret(panel, options = {}) {
    const answer = await interpret(panel, options);
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.output;
  },
};

function option(select, value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  select.append(element);
}

function formatNumber(value, step) {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return String(Number(value.toFixed(Math.min(decimals, 6))));
}

function analyteRow(analyte) {
  const row = document.createElement("div");
  row.className = "li-row li-analyte";
  const label = document.createElement("label");
  label.htmlFor = `value-${analyte.id}`;
  label.textContent = analyte.name;
  const value = document.createElement("input");
  value.type = "text";
  value.inputMode = "decimal";
  value.autocomplete = "off";
  value.id = `value-${analyte.id}`;
  value.name = analyte.id;
  const unit = document.createElement("select");
  unit.id = `unit-${analyte.id}`;
  unit.setAttribute("aria-label", `${analyte.name} unit`);
  for (const u of analyte.units) option(unit, u, u);
  const slider = document.createElement("input");
  slider.type = "range";
  slider.id = `slider-${analyte.id}`;
  slider.setAttribute("aria-label", `${analyte.name}: move the value`);
  const setRange = () => {
    const [low, high, stepSize] = analyte.slider[unit.value];
    slider.min = low;
    slider.max = high;
    slider.step = stepSize;
  };
  setRange();
  // An empty value leaves the slider at its low end rather than at a made-up middle.
  slider.value = slider.min;
  unit.addEventListener("change", () => { setRange(); schedule(); });
  value.addEventListener("input", () => {
    const number = Number(value.value);
    if (value.value.trim() !== "" && Number.isFinite(number)) slider.value = number;
    schedule();
  });
  slider.addEventListener("input", () => {
    value.value = formatNumber(Number(slider.value), Number(slider.step));
    schedule();
  });
  row.append(label, value, unit, slider);
  return row;
}

function selected(select) {
  return [...select.selectedOptions].map((o) => o.value);
}

function collect(spec) {
  const panel = {};
  for (const analyte of spec.analytes) {
    const text = $(`value-${analyte.id}`).value.trim();
    if (text !== "") panel[analyte.id] = `${text} ${$(`unit-${analyte.id}`).value}`;
  }
  if ($("sex").value) panel.sex = $("sex").value;
  const age = $("age").value.trim();
  if (age !== "") panel.age = Number.isFinite(Number(age)) ? Number(age) : age;
  if ($("pregnant").value) panel.pregnant = $("pregnant").value === "true";
  if ($("trimester").value) panel.trimester = Number($("trimester").value);
  const conditions = selected($("conditions"));
  if (conditions.length) panel.conditions = conditions;
  const symptoms = selected($("symptoms"));
  if (symptoms.length) panel.symptoms = symptoms;
  return panel;
}

function fill(spec, example) {
  for (const analyte of spec.analytes) {
    const given = example[analyte.id];
    const value = $(`value-${analyte.id}`);
    const unit = $(`unit-${analyte.id}`);
    if (given === undefined) { value.value = ""; continue; }
    const [number, ...rest] = String(given).split(" ");
    const unitText = rest.join(" ");
    if (analyte.units.includes(unitText)) {
      unit.value = unitText;
      unit.dispatchEvent(new Event("change"));
    }
    value.value = number;
    value.dispatchEvent(new Event("input"));
  }
  $("sex").value = example.sex ?? "";
  $("age").value = example.age ?? "";
  $("pregnant").value = example.pregnant === undefined ? "" : String(example.pregnant);
  $("trimester").value = example.trimester ?? "";
}

let timer = null;
let spec = null;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(update, 120);
}

async function update() {
  const packChoice = $("pack").value;
  const answer = await interpret(collect(spec), {
    pack: packChoice === "__pasted__" ? null : packChoice,
    packYaml: packChoice === "__pasted__" ? $("pack-yaml").value : null,
    audience: $("audience").value,
    format: "html",
  });
  const error = $("error");
  if (!answer.ok) {
    error.textContent = answer.error.message;
    error.hidden = false;
    return;
  }
  error.hidden = true;
  error.textContent = "";
  // The bridge returns labinterp's own HTML fragment, in which every text is escaped.
  $("result").innerHTML = answer.output;
  document.body.dataset.statuses = JSON.stringify(answer.statuses);
}

let readyAt = null;

async function start() {
  const bridge = await ready;
  spec = JSON.parse(bridge.form_spec());
  stages.form = performance.now();
  for (const name of spec.packs) option($("pack"), name, name);
  option($("pack"), "__pasted__", "paste a pack (YAML)...");
  for (const name of Object.keys(spec.examples)) option($("example"), name, name);
  for (const id of spec.vocabularies.conditions) option($("conditions"), id, id.replaceAll("_", " "));
  for (const id of spec.vocabularies.symptoms) option($("symptoms"), id, id.replaceAll("_", " "));
  const box = $("analytes");
  for (const analyte of spec.analytes) box.append(analyteRow(analyte));
  $("pack").addEventListener("change", () => {
    $("pack-yaml-row").hidden = $("pack").value !== "__pasted__";
    schedule();
  });
  $("example").addEventListener("change", () => {
    if ($("example").value) fill(spec, spec.examples[$("example").value]);
    schedule();
  });
  $("panel-form").addEventListener("input", schedule);
  $("panel-form").addEventListener("change", schedule);
  $("panel-form").addEventListener("submit", (event) => event.preventDefault());
  report(1, "Ready");
  $("loading").hidden = true;
  $("loading").setAttribute("aria-busy", "false");
  $("panel-form").hidden = false;
  document.body.dataset.ready = "true";
  readyAt = performance.now();
  await update();
  // Milliseconds since the page began to load, read by benchmarks/playground.py.
  window.labinterpTimings = { ...stages, ready: readyAt, firstInterpretation: performance.now() };
}

start().catch((error) => {
  step.textContent = `The playground could not start: ${error.message}`;
  $("loading").setAttribute("aria-busy", "false");
  document.body.dataset.failed = "true";
});
