// Turns a rendered overlay (`kubectl kustomize k8s/overlays/dev`) into
// `podman run` arguments that run each workload as its manifest does: the
// same command and args, environment (Secrets resolved), user and group,
// read-only root filesystem, dropped capabilities, no privilege
// escalation, memory and CPU limits, and writable paths only where the
// manifest mounts a volume. Services become network aliases of the
// containers they select (Kubernetes DNS names), every container port is
// published on 127.0.0.1 only.
//
// usage: node podman-plan.mjs RENDERED.yaml OUT_DIR --prefix P --network N
//          --label L --certs DIR --image FROM=TO [--image FROM=TO ...]
//   --prefix container and volume names start with P-; containers carry
//            label L=P
//   --subnet the network's A.B.C.0/24: workload i gets A.B.C.(10+i), and
//            every container finds each Service name in its /etc/hosts
//            (--add-host), as cluster DNS would answer it
//   --certs  a directory made by scripts/tls-certs: a Secret NAME-tls that the
//            overlay expects to exist is made from NAME.pem, NAME.key, ca.pem
//            (as scripts/k8s-tls-secrets does)
//   --image  the local image that stands for an image the manifests name
//
// Writes OUT_DIR/<workload>.args (podman run arguments, NUL-separated),
// OUT_DIR/volumes/ (the files of Secret and ConfigMap volumes) and
// OUT_DIR/hosts.args (the --add-host arguments, for other containers on the
// network), OUT_DIR/volumes.txt (the named volumes to create first, one per line) and
// OUT_DIR/workloads.tsv: one line per workload, each after those it needs
// (otherwise in the overlay's order):
//   name  kind  container  terminationGracePeriodSeconds  readiness-port  image
//   needs (the workloads behind the Services its environment names, comma
//   separated, or "-")
// Exits 1 with a message naming the object if the overlay uses something it
// cannot reproduce, so that the test breaks instead of running something
// else than the manifests.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const positional = [];
const options = { images: new Map() };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--prefix") options.prefix = argv[++i];
  else if (arg === "--network") options.network = argv[++i];
  else if (arg === "--label") options.label = argv[++i];
  else if (arg === "--subnet") options.subnet = argv[++i];
  else if (arg === "--certs") options.certs = argv[++i];
  else if (arg === "--image") {
    const [from, to] = argv[++i].split("=");
    options.images.set(from, to);
  } else positional.push(arg);
}
const [rendered, outDir] = positional;
if (!rendered || !outDir || !options.prefix || !options.network || !options.certs || !options.label ||
    !/^\d+\.\d+\.\d+$/.test(options.subnet ?? "")) {
  console.error(
    "usage: node podman-plan.mjs RENDERED.yaml OUT_DIR --prefix P --network N --label L --subnet A.B.C --certs DIR --image FROM=TO ...",
  );
  process.exit(2);
}

function fail(where, text) {
  console.error(`podman-plan: ${where}: ${text}`);
  process.exit(1);
}

const objects = parseAllDocuments(readFileSync(rendered, "utf8"))
  .map((document) => document.toJS())
  .filter((object) => object && object.kind);
const byKind = (kind) => objects.filter((object) => object.kind === kind);
const secrets = new Map(byKind("Secret").map((s) => [s.metadata.name, s]));
const configMaps = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c]));
const workloads = [...byKind("StatefulSet"), ...byKind("Deployment")];
for (const kind of ["DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"]) {
  for (const object of byKind(kind)) fail(`${kind}/${object.metadata.name}`, "this kind is not run here");
}

// The data of a Secret, as Buffers by key: from the overlay, or for a TLS
// Secret the overlay expects to exist, from the certificate directory.
function secretData(name, where) {
  const secret = secrets.get(name);
  if (secret) {
    const data = new Map();
    for (const [key, value] of Object.entries(secret.data ?? {})) {
      data.set(key, Buffer.from(value, "base64"));
    }
    for (const [key, value] of Object.entries(secret.stringData ?? {})) {
      data.set(key, Buffer.from(String(value)));
    }
    return data;
  }
  const tls = /^(.*)-tls$/.exec(name);
  if (!tls) fail(where, `reads Secret ${name}, which the overlay does not define`);
  const file = (f) => readFileSync(path.join(options.certs, f));
  return new Map([
    ["tls.crt", file(`${tls[1]}.pem`)],
    ["tls.key", file(`${tls[1]}.key`)],
    ["ca.crt", file("ca.pem")],
  ]);
}

function configMapData(name, where) {
  const configMap = configMaps.get(name);
  if (!configMap) fail(where, `reads ConfigMap ${name}, which the overlay does not define`);
  return new Map(Object.entries(configMap.data ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
}

let namespace = "default";
function envValue(variable, pod, where) {
  if (variable.value !== undefined) return String(variable.value);
  const from = variable.valueFrom ?? {};
  if (from.secretKeyRef) {
    const { name, key } = from.secretKeyRef;
    const value = secretData(name, where).get(key);
    if (value === undefined) fail(where, `Secret ${name} has no key ${key}`);
    return value.toString();
  }
  if (from.configMapKeyRef) {
    const { name, key } = from.configMapKeyRef;
    const value = configMapData(name, where).get(key);
    if (value === undefined) fail(where, `ConfigMap ${name} has no key ${key}`);
    return value.toString();
  }
  if (from.fieldRef?.fieldPath === "metadata.name") return pod;
  if (from.fieldRef?.fieldPath === "metadata.namespace") return namespace;
  fail(where, `environment variable ${variable.name}: valueFrom not supported here`);
}

// Kubernetes quantities: memory to bytes, CPU to cores.
function memoryBytes(quantity) {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!match) return undefined;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(match[1]) * (unit[match[2]] ?? 1));
}
function cpuCores(quantity) {
  const text = String(quantity);
  return text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function portNumber(container, port) {
  if (typeof port === "number") return port;
  const named = (container.ports ?? []).find((p) => p.name === port);
  return named?.containerPort;
}

mkdirSync(path.join(outDir, "volumes"), { recursive: true });
const table = [];
const argsOf = new Map();
const aliasesOf = new Map();  // workload -> the Service names that select it
const envOf = new Map();      // workload -> its environment values
const namedVolumes = [];
for (const workload of workloads) {
  const name = workload.metadata.name;
  const where = `${workload.kind}/${name}`;
  const pod = workload.spec.template;
  const spec = pod.spec;
  if ((spec.initContainers ?? []).length > 0) fail(where, "init containers are not supported here");
  if (spec.containers.length !== 1) fail(where, "one container per pod is supported here");
  const container = spec.containers[0];
  namespace = workload.metadata.namespace ?? "default";
  // What Kubernetes would do and podman here would not: refuse, by name.
  if (container.lifecycle) fail(where, "lifecycle hooks are not supported here");
  if (container.workingDir) fail(where, "workingDir is not supported here");
  if (container.startupProbe) fail(where, "startupProbe is not supported here");
  const expands = (text) => typeof text === "string" && /\$\([A-Za-z_]/.test(text);
  if ([...(container.command ?? []), ...(container.args ?? [])].some(expands) ||
      (container.env ?? []).some((v) => expands(v.value))) {
    fail(where, "$(VAR) expansion is not supported here");
  }
  const image = options.images.get(container.image);
  if (!image) fail(where, `image ${container.image}: no local image given (--image)`);
  const podName = workload.kind === "StatefulSet" ? `${name}-0` : `${name}-pod`;
  const args = ["--name", `${options.prefix}-${name}`, "--hostname", podName,
                "--label", `${options.label}=${options.prefix}`,
                "--network", options.network];

  // Services: a network alias per Service that selects this pod, provided
  // the Service's port is the container's port (an alias cannot remap).
  for (const service of byKind("Service")) {
    if (!selects(service.spec.selector, pod.metadata.labels)) continue;
    for (const port of service.spec.ports ?? []) {
      const target = portNumber(container, port.targetPort ?? port.port);
      if (target !== port.port) {
        fail(`Service/${service.metadata.name}`,
             `port ${port.port} targets ${port.targetPort}: a network alias cannot remap ports`);
      }
    }
    args.push("--network-alias", service.metadata.name);
    aliasesOf.set(name, [...(aliasesOf.get(name) ?? []), service.metadata.name]);
  }

  // Who runs it, and what it may do.
  const security = { ...(spec.securityContext ?? {}), ...(container.securityContext ?? {}) };
  if (security.runAsUser === undefined) fail(where, "no runAsUser: the test runs what the manifest says");
  args.push("--user", `${security.runAsUser}:${security.runAsGroup ?? security.runAsUser}`);
  if (security.readOnlyRootFilesystem) args.push("--read-only", "--read-only-tmpfs=false");
  for (const capability of security.capabilities?.drop ?? []) args.push("--cap-drop", capability);
  for (const capability of security.capabilities?.add ?? []) args.push("--cap-add", capability);
  if (security.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
  if (security.privileged) fail(where, "privileged containers are not supported here");
  const limits = container.resources?.limits ?? {};
  if (limits.memory) args.push("--memory", String(memoryBytes(limits.memory)));
  if (limits.cpu) args.push("--cpus", String(cpuCores(limits.cpu)));

  const values = [];
  for (const variable of container.env ?? []) {
    const value = envValue(variable, podName, where);
    values.push(value);
    args.push("--env", `${variable.name}=${value}`);
  }
  envOf.set(name, values);
  if ((container.envFrom ?? []).length > 0) fail(where, "envFrom is not supported here");

  // Volumes: Secrets and ConfigMaps as read-only files, emptyDir as a
  // tmpfs (world-writable, as an emptyDir is), claims as named volumes
  // owned by the container's user.
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const claims = new Set((workload.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name));
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    const mountWhere = `${where} volume ${mount.name}`;
    if (mount.subPath) fail(mountWhere, "subPath is not supported here");
    let files;
    let mode = 0o644;
    if ((volume?.secret ?? volume?.configMap)?.items) fail(mountWhere, "items are not supported here");
    if (volume?.secret) {
      files = secretData(volume.secret.secretName, mountWhere);
      mode = volume.secret.defaultMode ?? mode;
    } else if (volume?.configMap) {
      files = configMapData(volume.configMap.name, mountWhere);
      mode = volume.configMap.defaultMode ?? mode;
    } else if (volume?.emptyDir) {
      if (mount.readOnly) fail(mountWhere, "a read-only emptyDir is not supported here");
      args.push("--tmpfs", `${mount.mountPath}:rw,exec,mode=0777`);
      continue;
    } else if (!volume && claims.has(mount.name)) {
      // Kubernetes makes a claim writable to the pod through fsGroup; the
      // volume's :U (owned by the container's user) stands in for that.
      if (spec.securityContext?.fsGroup === undefined) {
        fail(mountWhere, "a claim without fsGroup: the container's user could not write it");
      }
      const volumeName = `${options.prefix}-${mount.name}-${name}`;
      namedVolumes.push(volumeName);
      args.push("--volume", `${volumeName}:${mount.mountPath}:U`);
      continue;
    } else {
      fail(mountWhere, "only secret, configMap, emptyDir and claim volumes are supported here");
    }
    const directory = path.resolve(outDir, "volumes", `${name}-${mount.name}`);
    mkdirSync(directory, { recursive: true });
    chmodSync(directory, 0o755);
    for (const [key, data] of files) {
      writeFileSync(path.join(directory, key), data);
      chmodSync(path.join(directory, key), mode);
    }
    args.push("--volume", `${directory}:${mount.mountPath}:ro`);
  }

  for (const port of container.ports ?? []) {
    args.push("--publish", `127.0.0.1::${port.containerPort}`);
  }

  // command replaces the image's entrypoint, args its CMD.
  if (container.command) {
    args.push("--entrypoint", JSON.stringify(container.command));
  }
  args.push(image, ...(container.args ?? []));
  argsOf.set(name, args);

  const probe = container.readinessProbe ?? {};
  const readiness =
    portNumber(container, probe.grpc?.port ?? probe.tcpSocket?.port ?? probe.httpGet?.port) ?? "";
  if (!probe.grpc && !probe.tcpSocket && !probe.httpGet) {
    fail(where, "readiness: only grpc, tcpSocket and httpGet probes are supported here");
  }
  if (probe.httpGet && (probe.httpGet.scheme ?? "HTTP") !== "HTTP") {
    fail(where, "readiness: only plain HTTP httpGet probes are supported here");
  }
  // grpc:PORT, tcp:PORT, or http:PORT/PATH (answered 200 to 399 when ready).
  const probeKind = probe.grpc ? "grpc" : probe.httpGet ? "http" : "tcp";
  const probePath = probe.httpGet ? probe.httpGet.path ?? "/" : "";
  table.push([name, workload.kind, container.name, spec.terminationGracePeriodSeconds ?? 30,
              `${probeKind}:${readiness}${probePath}`, container.image].join("\t"));
}
// Who needs whom: a workload whose environment names another's Service
// (an address such as dns:///order-service:50052 or @orders-mysql:3306).
const needs = (name) => {
  const found = [];
  for (const [other, aliases] of aliasesOf) {
    if (other === name) continue;
    const named = aliases.some((alias) =>
      envOf.get(name).some((value) => new RegExp(`(^|[/@:])${alias}(:|$)`).test(value)));
    if (named) found.push(other);
  }
  return found.length > 0 ? found.join(",") : "-";
};
for (let i = 0; i < table.length; i++) table[i] += `\t${needs(table[i].split("\t")[0])}`;
// Started in that order, each after what it needs (the overlay's order
// where it does not matter): a workload that needs one listed after it
// would otherwise wait for a container not yet created.
{
  const rows = new Map(table.map((line) => [line.split("\t")[0], line]));
  const ordered = [];
  const visiting = new Set();
  const visit = (name, chain) => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) fail(`Workload ${name}`, `needs itself through ${chain.join(" -> ")}`);
    visiting.add(name);
    const wanted = rows.get(name).split("\t")[6];
    for (const need of wanted === "-" ? [] : wanted.split(",")) visit(need, [...chain, need]);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const name of rows.keys()) visit(name, [name]);
  table.splice(0, table.length, ...ordered.map((name) => rows.get(name)));
}
// Addresses: fixed, and every Service name in every container's /etc/hosts.
const hosts = [];
[...argsOf.keys()].forEach((name, i) => {
  const ip = `${options.subnet}.${10 + i}`;
  argsOf.get(name).unshift("--ip", ip);
  for (const alias of aliasesOf.get(name) ?? []) hosts.push("--add-host", `${alias}:${ip}`);
});
for (const [name, args] of argsOf) {
  args.unshift(...hosts);
  writeFileSync(path.join(outDir, `${name}.args`), args.map((a) => `${a}\0`).join(""));
}
writeFileSync(path.join(outDir, "hosts.args"), hosts.map((a) => `${a}\0`).join(""));
writeFileSync(path.join(outDir, "volumes.txt"), namedVolumes.map((v) => `${v}\n`).join(""));
writeFileSync(path.join(outDir, "workloads.tsv"), table.map((line) => `${line}\n`).join(""));
