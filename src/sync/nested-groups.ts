// Nested groups (LDAP_SYNC_NESTED_GROUPS=true), flattened for Pocket ID,
// whose groups are flat: a group's members are its own users plus the users
// of every group reachable through member groups, at any depth. Computed from
// the snapshot alone (the groups the group search returned), so it works the
// same on every server; cycles (A ∋ B ∋ A) are allowed and harmless.
import type { DirectoryGroup } from './snapshot.js';

/**
 * Strongly connected components of the member-group graph, iteratively
 * (Tarjan): a deep nesting chain must not overflow the stack. Components come
 * out in reverse topological order: every component another one points to is
 * emitted before it.
 */
function stronglyConnectedComponents(edges: number[][]): number[][] {
  const n = edges.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [node: number, next: number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, next] = frame;
      const targets = edges[node];
      if (next < targets.length) {
        frame[1] = next + 1;
        const target = targets[next];
        if (index[target] === -1) {
          index[target] = low[target] = counter++;
          stack.push(target);
          onStack[target] = true;
          work.push([target, 0]);
        } else if (onStack[target]) {
          low[node] = Math.min(low[node], index[target]);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]], low[node]);
      if (low[node] === index[node]) {
        const component: number[] = [];
        for (;;) {
          const member = stack.pop() as number;
          onStack[member] = false;
          component.push(member);
          if (member === node) break;
        }
        result.push(component);
      }
    }
  }
  return result;
}

/**
 * The groups with their effective members. Groups without member groups are
 * returned as they are, and when no group has any, the very same array: with
 * the setting off (the reader then records no member groups) this is exactly
 * Pocket ID's flat behaviour. Usernames added through nesting follow the
 * group's own, without duplicates.
 */
export function expandNestedGroups(groups: DirectoryGroup[]): DirectoryGroup[] {
  if (!groups.some((g) => (g.memberGroupDns?.length ?? 0) > 0)) return groups;
  // The reader records member groups by their snapshot DN, so an exact match suffices.
  const byDn = new Map<string, number>();
  groups.forEach((group, i) => {
    if (!byDn.has(group.dn)) byDn.set(group.dn, i);
  });
  const edges = groups.map((group) => {
    const targets = new Set<number>();
    for (const dn of group.memberGroupDns ?? []) {
      const target = byDn.get(dn);
      if (target !== undefined) targets.add(target);
    }
    return [...targets];
  });

  // Usernames reachable from each component: its own groups' members plus
  // those of every component it points to (already computed: reverse topological order).
  const componentOf = new Array<number>(groups.length).fill(-1);
  const reachable: Set<string>[] = [];
  stronglyConnectedComponents(edges).forEach((component, c) => {
    for (const node of component) componentOf[node] = c;
    const usernames = new Set<string>();
    for (const node of component) {
      for (const username of groups[node].memberUsernames) usernames.add(username);
      for (const target of edges[node]) {
        const other = componentOf[target];
        if (other !== c) for (const username of reachable[other]) usernames.add(username);
      }
    }
    reachable[c] = usernames;
  });

  return groups.map((group, i) => {
    if (edges[i].length === 0) return group;
    const own = new Set(group.memberUsernames);
    const added = [...reachable[componentOf[i]]].filter((username) => !own.has(username));
    return { ...group, memberUsernames: [...group.memberUsernames, ...added] };
  });
}
