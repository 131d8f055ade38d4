// Offline checks of a rendered overlay (`kubectl kustomize k8s/overlays/X`):
//
//   1. every object is valid against the Kubernetes API schema of its
//      apiVersion/kind (the kubernetes-models package);
//   2. cross-references: every Service, PodDisruptionBudget and
//      NetworkPolicy selects a pod; every Service target port and every
//      probe port is a port of the container; every HPA targets a
//      Deployment; every Secret a pod reads exists (or is declared
//      external); every service address a container is given names a
//      Service and one of its ports;
//   3. our binaries: every environment variable set on a container is a
//      flag of that binary (its --help), every flag in its args exists, the
//      variables each binary needs in a cluster are set, and LISTEN_ADDRESS
//      and METRICS_ADDRESS match the container's ports;
//   4. hardening: every container non-root, read-only root filesystem, no
//      privilege escalation, resource requests and limits.
//
// usage: node check-manifests.mjs RENDERED.yaml BINARY_DIR [--external-secrets a,b]
//   BINARY_DIR holds saga_coordinator, order_service, inventory_service
//   (found there or one directory below, as in the build tree).
// Prints every problem and exits 1 if there is one.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const [rendered, binaryDir, ...rest] = process.argv.slice(2);
if (!rendered || !binaryDir) {
  console.error("usage: node check-manifests.mjs RENDERED.yaml BINARY_DIR [--external-secrets a,b]");
  process.exit(2);
}
const externalSecrets = new Set();
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--external-secrets") rest[++i].split(",").forEach((s) => externalSecrets.add(s));
}

const problems = [];
const problem = (where, text) => problems.push(`${where}: ${text}`);

const objects = [];
for (const document of parseAllDocuments(readFileSync(rendered, "utf8"))) {
  if (document.errors.length > 0) {
    problem(rendered, `not YAML: ${document.errors[0].message}`);
    continue;
  }
  const object = document.toJS();
  if (!object) continue;
  if (!object.apiVersion || !object.kind || !object.metadata?.name) {
    problem(rendered, `an object without apiVersion, kind or name: ${JSON.stringify(object).slice(0, 200)}`);
    continue;
  }
  // kustomize 5 folds long base64 values over lines; the API server's
  // base64 decoding skips line breaks, so does this check.
  if (object.kind === "Secret") {
    for (const key of Object.keys(object.data ?? {})) {
      object.data[key] = object.data[key].replace(/\s+/g, "");
    }
  }
  objects.push(object);
}
if (objects.length === 0) problem(rendered, "no objects");
const name = (o) => `${o.kind}/${o.metadata?.name}`;

// 1. Schemas.
for (const object of objects) {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : [null, object.apiVersion];
  const module = `kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}`;
  let Model;
  try {
    ({ [object.kind]: Model } = await import(module));
  } catch {
    problem(name(object), `no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problem(name(object), `invalid: ${error.message}`);
  }
}

// 2. Cross-references.
const byKind = (kind) => objects.filter((o) => o.kind === kind);
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
const pods = workloads.map((w) => ({
  owner: name(w),
  labels: w.spec.template.metadata?.labels ?? {},
  spec: w.spec.template.spec,
  // What containers may mount: the pod's volumes and a StatefulSet's claims.
  volumes: [...(w.spec.template.spec.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map(
    (claim) => ({ name: claim.metadata.name }))],
}));
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const podsSelectedBy = (selector) => pods.filter((p) => matches(selector, p.labels));
const containerPorts = (pod) => pod.spec.containers.flatMap((c) => c.ports ?? []);
const hasPort = (ports, port) =>
  ports.some((p) => p.containerPort === port || (typeof port === "string" && p.name === port));

for (const service of byKind("Service")) {
  const selected = podsSelectedBy(service.spec.selector);
  if (selected.length === 0) problem(name(service), "selects no pod");
  for (const port of service.spec.ports ?? []) {
    const target = port.targetPort ?? port.port;
    for (const pod of selected) {
      if (!hasPort(containerPorts(pod), target)) {
        problem(name(service), `target port ${target} is not a port of ${pod.owner}`);
      }
    }
  }
}
for (const budget of byKind("PodDisruptionBudget")) {
  if (podsSelectedBy(budget.spec.selector.matchLabels).length === 0) {
    problem(name(budget), "selects no pod");
  }
}
// Pods outside these manifests that policies may name on purpose.
const externalPodLabels = ["order-saga.io/operator"];
const checkPolicySelector = (policy, selector, where) => {
  const labels = selector?.matchLabels ?? {};
  if (Object.keys(labels).some((k) => externalPodLabels.includes(k))) return;
  if (Object.keys(labels).length > 0 && podsSelectedBy(labels).length === 0) {
    problem(name(policy), `${where} selects no pod`);
  }
};
for (const policy of byKind("NetworkPolicy")) {
  checkPolicySelector(policy, policy.spec.podSelector, "podSelector");
  for (const rule of policy.spec.ingress ?? []) {
    for (const peer of rule.from ?? []) checkPolicySelector(policy, peer.podSelector, "ingress from");
  }
  for (const rule of policy.spec.egress ?? []) {
    for (const peer of rule.to ?? []) checkPolicySelector(policy, peer.podSelector, "egress to");
  }
}
for (const autoscaler of byKind("HorizontalPodAutoscaler")) {
  const target = autoscaler.spec.scaleTargetRef;
  if (!objects.some((o) => o.kind === target.kind && o.metadata.name === target.name)) {
    problem(name(autoscaler), `targets missing ${target.kind}/${target.name}`);
  }
}
const secrets = new Map(byKind("Secret").map((s) => [s.metadata.name, s]));
// A Service named by an address ("dns:///order-service:50052",
// "mysql://u:p@orders-mysql:3306/orders") exists and has that port.
const checkAddress = (where, host, port) => {
  const service = byKind("Service").find((s) => s.metadata.name === host);
  if (!service) return problem(where, `names host ${host}, which is no Service`);
  if (!service.spec.ports.some((p) => p.port === port)) {
    problem(where, `Service ${host} has no port ${port}`);
  }
};
for (const pod of pods) {
  for (const volume of pod.spec.volumes ?? []) {
    const secret = volume.secret?.secretName;
    if (secret && !secrets.has(secret) && !externalSecrets.has(secret)) {
      problem(pod.owner, `volume ${volume.name} mounts Secret ${secret}, which is not defined (nor declared external)`);
    }
  }
  for (const container of pod.spec.containers) {
    const where = `${pod.owner} container ${container.name}`;
    for (const mount of container.volumeMounts ?? []) {
      if (!pod.volumes.some((v) => v.name === mount.name)) {
        problem(where, `mounts volume ${mount.name}, which the pod does not have`);
      }
    }
    for (const env of container.env ?? []) {
      const ref = env.valueFrom?.secretKeyRef;
      if (!ref || externalSecrets.has(ref.name)) continue;
      const secret = secrets.get(ref.name);
      if (!secret) {
        problem(where, `reads Secret ${ref.name}, which is not defined (nor declared external)`);
        continue;
      }
      const data = { ...(secret.data ?? {}) };
      for (const [k, v] of Object.entries(secret.stringData ?? {})) {
        data[k] = Buffer.from(v).toString("base64");
      }
      if (!(ref.key in data)) problem(where, `Secret ${ref.name} has no key ${ref.key}`);
      const value = Buffer.from(data[ref.key] ?? "", "base64").toString();
      const dsn = value.match(/^mysql:\/\/[^@]*@([a-z0-9.-]+):(\d+)\//);
      if ((env.name === "MYSQL_DSN" || env.name === "MYSQL_MIGRATION_DSN") && dsn) {
        checkAddress(`${where} ${env.name}`, dsn[1], Number(dsn[2]));
      }
    }
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const p = container[probe];
      if (!p) continue;
      const port = p.grpc?.port ?? p.tcpSocket?.port ?? p.httpGet?.port;
      if (port !== undefined && !hasPort(container.ports ?? [], port)) {
        problem(where, `${probe} port ${port} is not a port of the container`);
      }
    }
  }
}

// 3. Our binaries.
const binaryPath = (binary) => {
  for (const candidate of [
    path.join(binaryDir, binary),
    path.join(binaryDir, { saga_coordinator: "saga", http_gateway: "gateway" }[binary] ?? binary,
              binary),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${binary} not found under ${binaryDir}`);
};
// Flags our own code defines (not gflags' or glog's), from --helpfull (gflags' format).
const flagsOf = (binary) => {
  let help;
  try {
    help = execFileSync(binaryPath(binary), ["--helpfull"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    help = `${error.stdout ?? ""}`;  // gflags exits 1 after --helpfull
  }
  const flags = new Set();
  let ours = false;
  for (const line of help.split("\n")) {
    const section = line.match(/^  Flags from (.*):$/);
    if (section) {
      ours = /(common|saga|order_service|inventory_service|gateway)\/[a-z_/]*\.cc$/.test(section[1]);
      continue;
    }
    const flag = line.match(/^    -([a-z0-9_]+) /);
    if (ours && flag) flags.add(flag[1]);
  }
  return flags;
};
// What each binary must be given in a cluster (its defaults are for one
// machine: loopback addresses, no database).
const required = {
  saga_coordinator: ["LISTEN_ADDRESS", "METRICS_ADDRESS", "ORDER_SERVICE_ADDRESS",
    "INVENTORY_SERVICE_ADDRESS"],
  order_service: ["LISTEN_ADDRESS", "METRICS_ADDRESS", "MYSQL_DSN"],
  inventory_service: ["LISTEN_ADDRESS", "METRICS_ADDRESS", "MYSQL_DSN"],
  http_gateway: ["LISTEN_ADDRESS", "METRICS_ADDRESS", "COORDINATOR_ADDRESS",
    "ORDER_SERVICE_ADDRESS", "INVENTORY_SERVICE_ADDRESS", "WEB_ROOT"],
};
const flagCache = new Map();
for (const pod of pods) {
  for (const container of pod.spec.containers) {
    const binary = container.command?.[0];
    if (!(binary in required)) continue;
    const where = `${pod.owner} container ${container.name} (${binary})`;
    if (!flagCache.has(binary)) flagCache.set(binary, flagsOf(binary));
    const flags = flagCache.get(binary);
    if (flags.size === 0) problem(where, "its --help lists no flags");
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    for (const variable of env.keys()) {
      if (!flags.has(variable.toLowerCase())) {
        problem(where, `sets ${variable}, which is no flag of ${binary}`);
      }
    }
    for (const arg of [...(container.command ?? []).slice(1), ...(container.args ?? [])]) {
      const flag = arg.match(/^--?([a-z0-9_]+)/);
      if (flag && !flags.has(flag[1])) problem(where, `passes --${flag[1]}, which ${binary} lacks`);
    }
    for (const variable of required[binary]) {
      if (!env.has(variable)) problem(where, `does not set ${variable}`);
    }
    for (const [variable, portName] of [
      ["LISTEN_ADDRESS", binary === "http_gateway" ? "http" : "grpc"], ["METRICS_ADDRESS", "metrics"],
      ["HEALTH_LISTEN_ADDRESS", "health"]]) {
      if (variable === "HEALTH_LISTEN_ADDRESS" && !env.has(variable)) continue;
      const value = env.get(variable)?.value ?? "";
      const port = Number(value.split(":").pop());
      const declared = (container.ports ?? []).find((p) => p.name === portName);
      if (!declared || declared.containerPort !== port) {
        problem(where, `${variable}=${value} is not its "${portName}" container port`);
      }
    }
    for (const variable of ["ORDER_SERVICE_ADDRESS", "INVENTORY_SERVICE_ADDRESS", "COORDINATOR_ADDRESS"]) {
      const value = env.get(variable)?.value;
      if (!value) continue;
      const address = value.match(/^(?:dns:\/\/\/)?([a-z0-9.-]+):(\d+)$/);
      if (!address) problem(where, `${variable}=${value} is not host:port`);
      else checkAddress(`${where} ${variable}`, address[1], Number(address[2]));
    }
  }
}

// 4. Hardening.
for (const pod of pods) {
  for (const container of pod.spec.containers) {
    const where = `${pod.owner} container ${container.name}`;
    const security = container.securityContext ?? {};
    if (!(security.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot)) {
      problem(where, "may run as root");
    }
    if (security.readOnlyRootFilesystem !== true) problem(where, "root filesystem is writable");
    if (security.allowPrivilegeEscalation !== false) problem(where, "may escalate privileges");
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (!container.resources?.[kind]?.[resource]) problem(where, `no ${resource} ${kind}`);
      }
    }
  }
}

for (const p of problems) console.error(p);
console.log(`${rendered}: ${objects.length} objects, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
