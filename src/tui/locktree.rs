//! The wait-for tree of a lock convoy or of a moment: head blockers, the
//! sessions waiting on them (and on their waiters), and deadlock cycles.

use super::index::Index;
use pm_parsers::Kind;
use pm_tui::analyze::locks::{Actor, Sessions, describe_blocker};
use pm_tui::model::Case;
use std::collections::{BTreeMap, HashSet};

/// What a line of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Holds the lock and waits for nothing: the head of the queue.
    Head,
    /// Waits (possibly while holding locks others wait for).
    Waiter,
    /// Part of a wait cycle.
    Cycle,
}

/// One session in the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeLine {
    /// Nesting: 0 for a head blocker.
    pub depth: usize,
    /// Head, waiter or in a cycle.
    pub role: Role,
    /// `trx 4211 (thread 88)`, `pid 4190`.
    pub actor: String,
    /// Longest wait, ms (0 for a head blocker).
    pub wait_ms: f64,
    /// The awaited resource and mode.
    pub resource: String,
    /// What it ran, when known.
    pub statement: Option<String>,
    /// Application, host, user, when known.
    pub about: String,
    /// An event to jump to.
    pub event: Option<usize>,
}

/// One deadlock report.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadlock {
    /// When.
    pub ts: i64,
    /// The report's event.
    pub event: usize,
    /// One line per participant.
    pub participants: Vec<String>,
}

/// The locks view's content.
#[derive(Debug, Clone, PartialEq)]
pub struct LockTree {
    /// What the tree is of ("F1 lock_convoy" or "at 21:52").
    pub title: String,
    /// Window, µs UTC.
    pub from: i64,
    /// Window end.
    pub to: i64,
    /// The tree, depth-first.
    pub lines: Vec<TreeLine>,
    /// Deadlocks in the window.
    pub deadlocks: Vec<Deadlock>,
}

fn key(a: &Actor) -> String {
    match (&a.txn, a.pid) {
        (Some(t), _) => format!("txn:{t}"),
        (None, Some(p)) => format!("pid:{p}"),
        (None, None) => "?".into(),
    }
}

/// `trx 4211 (thread 88)`.
pub fn label(a: &Actor) -> String {
    match (&a.txn, a.pid) {
        (Some(t), Some(p)) => format!("trx {t} (thread {p})"),
        (Some(t), None) => format!("trx {t}"),
        (None, Some(p)) => format!("pid {p}"),
        (None, None) => "unknown session".into(),
    }
}

struct Node {
    actor: Actor,
    holder: Option<String>,
    wait_ms: f64,
    resource: String,
    event: Option<usize>,
}

/// Build the tree of waits overlapping `[from, to]` (on `resource` when given).
pub fn build(
    case: &Case,
    index: &Index,
    title: String,
    from: i64,
    to: i64,
    resource: Option<&str>,
) -> LockTree {
    let t = &case.timeline;
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for w in &index.waits {
        if w.end < from || w.start > to {
            continue;
        }
        if resource.is_some_and(|r| !w.resource.contains(r) && !r.contains(&w.resource)) {
            continue;
        }
        let k = key(&w.waiter);
        let res = if w.mode.is_empty() {
            w.resource.clone()
        } else {
            format!("{} {}", w.mode, w.resource)
        };
        let holder = w.holder.as_ref().map(key);
        let n = nodes.entry(k).or_insert_with(|| Node {
            actor: w.waiter.clone(),
            holder: holder.clone(),
            wait_ms: 0.0,
            resource: res.clone(),
            event: w.events.first().copied(),
        });
        if w.max_ms >= n.wait_ms {
            n.wait_ms = w.max_ms;
            n.resource = res;
            if holder.is_some() {
                n.holder = holder;
            }
        }
        if let Some(h) = &w.holder {
            nodes.entry(key(h)).or_insert_with(|| Node {
                actor: h.clone(),
                holder: None,
                wait_ms: 0.0,
                resource: String::new(),
                event: None,
            });
        }
    }
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, n) in &nodes {
        if let Some(h) = &n.holder {
            if h != k {
                children.entry(h.clone()).or_default().push(k.clone());
            }
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| nodes[b].wait_ms.total_cmp(&nodes[a].wait_ms).then(a.cmp(b)));
    }
    let mut roots: Vec<&String> = nodes
        .iter()
        .filter(|(_, n)| n.holder.as_ref().is_none_or(|h| !nodes.contains_key(h)))
        .map(|(k, _)| k)
        .collect();
    // Busiest head first.
    let size = |k: &String| children.get(k).map(Vec::len).unwrap_or(0);
    roots.sort_by(|a, b| size(b).cmp(&size(a)).then(a.cmp(b)));

    let mut described = 0usize;
    let mut sessions: Option<Sessions> = None;
    let mut describe = |a: &Actor| {
        described += 1;
        if described > 200 {
            return (None, String::new());
        }
        let sessions = sessions.get_or_insert_with(|| Sessions::around(t, from, to));
        let info = describe_blocker(t, sessions, a, from, to);
        let about: Vec<String> = [info.app, info.host, info.user]
            .into_iter()
            .flatten()
            .collect();
        (info.statement, about.join(" · "))
    };
    let mut lines = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack: Vec<(String, usize)> = roots.iter().rev().map(|k| ((*k).clone(), 0)).collect();
    let mut visit = |stack: &mut Vec<(String, usize)>,
                     lines: &mut Vec<TreeLine>,
                     seen: &mut HashSet<String>,
                     cycle: bool| {
        while let Some((k, depth)) = stack.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            let n = &nodes[&k];
            let event_stmt = n.event.and_then(|e| t.statement(e)).map(str::to_string);
            let (stmt, about) = describe(&n.actor);
            lines.push(TreeLine {
                depth,
                role: if cycle {
                    Role::Cycle
                } else if depth == 0 {
                    Role::Head
                } else {
                    Role::Waiter
                },
                actor: label(&n.actor),
                wait_ms: n.wait_ms,
                resource: n.resource.clone(),
                statement: event_stmt.or(stmt),
                about,
                event: n.event,
            });
            if let Some(kids) = children.get(&k) {
                for c in kids.iter().rev() {
                    stack.push((c.clone(), depth + 1));
                }
            }
        }
    };
    visit(&mut stack, &mut lines, &mut seen, false);
    // Whatever was not reached waits in a cycle.
    let rest: Vec<String> = nodes
        .keys()
        .filter(|k| !seen.contains(*k))
        .cloned()
        .collect();
    for k in rest {
        let mut s = vec![(k, 0)];
        visit(&mut s, &mut lines, &mut seen, true);
    }

    let margin = 60 * 1_000_000;
    let mut deadlocks = Vec::new();
    for i in t.lower_bound(from - margin)..t.lower_bound(to.saturating_add(margin)) {
        if t.kind(i) != Kind::Deadlock {
            continue;
        }
        let participants = t
            .extra(i)
            .map(|x| {
                x.participants
                    .iter()
                    .map(|p| {
                        let a = Actor {
                            pid: p.pid,
                            txn: p.txn.clone(),
                        };
                        let mut s = label(&a);
                        if let Some(w) = &p.waits_for {
                            s.push_str(&format!(
                                " waits for {}{}",
                                p.mode
                                    .as_deref()
                                    .map(|m| format!("{m} on "))
                                    .unwrap_or_default(),
                                w
                            ));
                        }
                        if let Some(b) = p.blocked_by {
                            s.push_str(&format!(" held by pid {b}"));
                        }
                        if let Some(st) = &p.statement {
                            s.push_str(&format!(" · {st}"));
                        }
                        if p.victim {
                            s.push_str("  [victim: rolled back]");
                        }
                        s
                    })
                    .collect()
            })
            .unwrap_or_default();
        deadlocks.push(Deadlock {
            ts: t.ts(i),
            event: i,
            participants,
        });
    }
    LockTree {
        title,
        from,
        to,
        lines,
        deadlocks,
    }
}
