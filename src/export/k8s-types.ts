/**
 * The few Kubernetes API shapes the export writes, typed here so `src/` needs no runtime
 * dependency: the tests validate every object against the real schemas (`kubernetes-models`).
 */

export type Labels = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

export interface ConfigMap {
  readonly apiVersion: "v1";
  readonly kind: "ConfigMap";
  readonly metadata: ObjectMeta;
  readonly data: Readonly<Record<string, string>>;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: string;
  readonly protocol: "TCP";
}

export interface Service {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly type: "ClusterIP"; readonly selector: Labels; readonly ports: readonly ServicePort[] };
}

export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } } };

export type ProbeHandler =
  { readonly tcpSocket: { readonly port: string } } | { readonly httpGet: { readonly path: string; readonly port: string } };

export type Probe = ProbeHandler & {
  readonly periodSeconds: number;
  readonly failureThreshold: number;
};

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly workingDir: string;
  readonly env: readonly EnvVar[];
  readonly envFrom: ReadonlyArray<{ readonly configMapRef: { readonly name: string } }>;
  readonly ports?: ReadonlyArray<{ readonly name: string; readonly containerPort: number; readonly protocol: "TCP" }>;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly livenessProbe?: Probe & { readonly timeoutSeconds: number };
  readonly resources?: { readonly limits: { readonly memory: string } };
  readonly lifecycle?: { readonly preStop: { readonly exec: { readonly command: readonly string[] } } };
}

export interface PodSpec {
  readonly enableServiceLinks: boolean;
  readonly terminationGracePeriodSeconds: number;
  readonly securityContext?: { readonly runAsUser?: number; readonly runAsGroup?: number };
  /** `before:` tasks, run to completion in order before the site's container starts. */
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
}

export interface Deployment {
  readonly apiVersion: "apps/v1";
  readonly kind: "Deployment";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly replicas: number;
    readonly minReadySeconds?: number;
    readonly selector: { readonly matchLabels: Labels };
    readonly strategy: {
      readonly type: "RollingUpdate";
      readonly rollingUpdate: { readonly maxUnavailable: number; readonly maxSurge: string };
    };
    readonly template: { readonly metadata: { readonly labels: Labels }; readonly spec: PodSpec };
  };
}

export type K8sObject = ConfigMap | Service | Deployment;
