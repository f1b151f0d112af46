/**
 * Kubernetes names for tsgi sites.
 *
 * A site name (`[a-z0-9][a-z0-9_-]*`) may hold `_` or start with a digit; a Service name must be
 * a DNS-1035 label (`[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63). So `my_site` becomes `my-site` and
 * `1st` becomes `site-1st`; two sites that would end up with one name are an error, never a
 * silent overwrite. The site's own name stays in the `tsgi/site` label.
 */

export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX = 63;

export function k8sName(site: string): string {
  let name = site
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+$/, "");
  if (!/^[a-z]/.test(name)) name = `site-${name}`;
  return name.slice(0, MAX).replace(/-+$/, "");
}

export type NameResult =
  { readonly ok: true; readonly names: ReadonlyMap<string, string> } | { readonly ok: false; readonly message: string };

export function k8sNames(sites: readonly string[]): NameResult {
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const site of sites) {
    const name = k8sName(site);
    const other = taken.get(name);
    if (other !== undefined) {
      return {
        ok: false,
        message: `sites \`${other}\` and \`${site}\` would both be named \`${name}\` in Kubernetes (names allow only a-z, 0-9 and -); rename one of them`,
      };
    }
    taken.set(name, site);
    names.set(site, name);
  }
  return { ok: true, names };
}

export interface SiteLabels {
  /** On every object. */
  readonly labels: Readonly<Record<string, string>>;
  /** What the Deployment and the Service select pods by. */
  readonly selector: Readonly<Record<string, string>>;
}

/** `kubectl get pods -l tsgi/site=alpha`, or `-l app.kubernetes.io/part-of=tsgi` for all. */
export function siteLabels(site: string, name: string, partOf: string): SiteLabels {
  const selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": partOf };
  // A label value ends with a letter or digit; a site name may end with `-` or `_`.
  return { selector, labels: { ...selector, "tsgi/site": site.replace(/[-_]+$/, ""), "app.kubernetes.io/managed-by": "tsgi" } };
}
