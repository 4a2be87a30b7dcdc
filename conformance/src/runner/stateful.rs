//! The stateful phase: send an operation's example, then follow the links its answer declares
//! (`$response.body#/id` into the next request), judging each follow-up as the operation it
//! calls, with the intent the pair implies: a read after a create should find the resource, a
//! read after a delete should not. Without links, the reads are inferred from the paths
//! ([`inferred`]): the GET of the same path after a write, the `Location` a create answers
//! with, and around a refused write, the read before and after it. Operations marked
//! `x-private` are tried with a second player's session too.

use std::sync::Arc;

use crate::case::{Auth, Case, Intent, Phase};
use crate::checks::digest;
use crate::exchange::Exchange;
use crate::generate;
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

use super::operation::OperationRun;
use super::{Shared, inferred, links};

impl<'a> OperationRun<'a> {
    /// Send the operation's example, then follow its links: a read after a create should find
    /// the resource, a read after a delete should not.
    pub(super) async fn stateful(&mut self, base: Case) {
        let spec = self.shared.spec.clone();
        let mut case = base.clone();
        case.phase = Phase::Stateful;
        case.intent = Intent::Valid;
        if let Some(read) = inferred::same_path_read(&spec, self.op) {
            self.refused_write(read).await;
        }
        if !links::of_operation(&spec, self.op).is_empty() {
            if let Some(exchange) = self.send_and_judge(case).await {
                self.follow(exchange, 0).await;
            }
        } else if inferred::is_write(self.op)
            && let Some(exchange) = self.send_and_judge(case).await
        {
            self.read_back(&exchange).await;
        }
        if self.private() {
            self.other_player(base).await;
        }
    }

    /// Whether the stateful phase sends a sequence for this operation (which then runs alone).
    pub(super) fn has_sequences(&self) -> bool {
        let spec = &self.shared.spec;
        !links::of_operation(spec, self.op).is_empty()
            || inferred::is_write(self.op)
            || self.private()
    }

    /// Whether the operation's resource is the player's own and named by its path, and its
    /// credential comes from a login (so that a second player can be had).
    fn private(&self) -> bool {
        let spec = &self.shared.spec;
        inferred::is_private(spec, self.op)
            && self
                .op
                .parameters
                .iter()
                .any(|p| p.location == ParamLocation::Path)
            && self
                .op
                .security
                .iter()
                .flatten()
                .any(|scheme| self.shared.session.logged_in().contains(scheme))
    }

    /// Judge `case` as the operation at `index` (its checks and documentation), keeping the
    /// tallies and failures in this run: the sequence belongs to the operation that started it.
    async fn judge_as(&mut self, index: usize, case: Case) -> Option<Exchange> {
        self.judge_as_screened(index, case, false).await
    }

    /// [`Self::judge_as`] for a case a link made: values another answer fed in (an empty key
    /// a write accepted, which the linked delete does not) may make it a request the target
    /// refuses, and such a case is not sent as a valid one (`None`, counted as discarded).
    async fn judge_linked(&mut self, index: usize, case: Case) -> Option<Exchange> {
        self.judge_as_screened(index, case, true).await
    }

    async fn judge_as_screened(
        &mut self,
        index: usize,
        case: Case,
        screen: bool,
    ) -> Option<Exchange> {
        let shared: &'a Shared = self.shared;
        let target = &shared.spec.operations[index];
        let run_as = OperationRun::new(self.shared, index, self.client, None);
        if screen && !run_as.readback.problems(&case).is_empty() {
            self.stat(|s| s.discarded += 1);
            return None;
        }
        let checks = std::mem::replace(&mut self.checks, run_as.checks);
        let readback = std::mem::replace(&mut self.readback, run_as.readback);
        // The request is written as the target's: its list and multipart encodings.
        let encoding = std::mem::replace(&mut self.encoding, run_as.encoding);
        let op = std::mem::replace(&mut self.op, target);
        let exchange = self.send_and_judge(case).await;
        self.checks = checks;
        self.readback = readback;
        self.encoding = encoding;
        self.op = op;
        exchange
    }

    /// The example of operation `index` (a read, or the write that makes what it reads) at
    /// the path parameters of `at`, if its example exists and the server would take it.
    fn read_of(&self, index: usize, at: &Case, intent: Intent) -> Option<Case> {
        let spec = &self.shared.spec;
        let target = &spec.operations[index];
        let mut read = generate::examples(spec, target).into_iter().next()?;
        for p in target
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
        {
            if let Some(v) = at.path_params.get(&p.name) {
                read.path_params.insert(p.name.clone(), v.clone());
            }
        }
        read.phase = Phase::Stateful;
        read.intent = intent;
        // A read the server would refuse tells nothing about the resource.
        let readback = generate::Readback::with_table(spec, target, index, &self.shared.routes);
        readback.problems(&read).is_empty().then_some(read)
    }

    /// After a successful write without links: read the resource back on the same path (gone
    /// after a delete whose read documents 404 or 410, there after a create or replace), and
    /// at the `Location` a create answers with.
    async fn read_back(&mut self, write: &Exchange) {
        let Ok(response) = &write.response else {
            return;
        };
        if !(200..300).contains(&response.status) {
            return;
        }
        let spec = self.shared.spec.clone();
        let id = self.op.id.clone();
        let method = self.op.method.to_ascii_uppercase();
        let creates = matches!(method.as_str(), "POST" | "PUT");
        if method == "DELETE"
            && let Some(index) = inferred::gone_read(&spec, self.op)
            && let Some(read) = self.read_of(
                index,
                &write.case,
                Intent::AfterDelete {
                    deleted_by: id.clone(),
                },
            )
        {
            self.judge_as(index, read).await;
        }
        if creates
            && let Some(index) = inferred::same_path_read(&spec, self.op)
            && let Some(read) = self.read_of(
                index,
                &write.case,
                Intent::AfterCreate {
                    created_by: id.clone(),
                },
            )
        {
            self.judge_as(index, read).await;
        }
        if creates
            && let Some(location) = response.header("location")
            && let Some((index, params)) = inferred::location_read(&spec, location)
            && spec.operations[index].path != self.op.path
            && let Some(mut read) =
                self.read_of(index, &write.case, Intent::AfterCreate { created_by: id })
        {
            read.path_params = params.into_iter().collect();
            self.judge_as(index, read).await;
        }
    }

    /// Read the resource, send a write the spec forbids, and when it is refused with a 4xx,
    /// read again: the second read should answer as the first. The three run under the run's
    /// sequence lock, so no other case comes between them. A resource that is not there
    /// (an earlier write of the run removed it, refused or not) cannot show a change, so it is
    /// made first with the example of the create or replace on its path, when there is one.
    async fn refused_write(&mut self, read_index: usize) {
        let spec = self.shared.spec.clone();
        let Some(invalid) = self
            .negative_fixed()
            .into_iter()
            .find(|c| self.readback.only_contract_problems(c))
        else {
            return;
        };
        let Some(before) = self.read_of(read_index, &invalid, Intent::Valid) else {
            return;
        };
        let Some(mut first) = self.judge_as(read_index, before.clone()).await else {
            return;
        };
        let absent = first
            .response
            .as_ref()
            .is_ok_and(|r| !(200..300).contains(&r.status));
        let read_op = &spec.operations[read_index];
        if absent
            && let Some(index) = inferred::same_path_create(&spec, read_op)
            && let Some(create) = self.read_of(index, &invalid, Intent::Valid)
            && let Some(made) = self.judge_as(index, create).await
            && made.response.is_ok_and(|r| (200..300).contains(&r.status))
            && let Some(again) = self.judge_as(read_index, before.clone()).await
        {
            first = again;
        }
        let Ok(first) = first.response else {
            return;
        };
        let mut invalid = invalid;
        invalid.phase = Phase::Stateful;
        let Some(write) = self.send_and_judge(invalid).await else {
            return;
        };
        if !write.response.is_ok_and(|r| (400..500).contains(&r.status)) {
            return;
        }
        let mut after = before;
        after.intent = Intent::AfterFailedWrite {
            written_by: self.op.id.clone(),
            status: first.status,
            sha256: digest(&first.body),
        };
        self.judge_as(read_index, after).await;
    }

    /// The player's own request, then the same request with a second player's session: it
    /// should be refused. Drawn from the boundary cases (values of the run's own, not the
    /// example's, which other operations may have deleted), else the example.
    async fn other_player(&mut self, base: Case) {
        let spec = self.shared.spec.clone();
        let own = generate::boundary_with(&spec, self.op, &self.readback)
            .into_iter()
            .next()
            .unwrap_or(base);
        let mut mine = own.clone();
        mine.phase = Phase::Stateful;
        mine.intent = Intent::Valid;
        let Some(answer) = self.send_and_judge(mine).await else {
            return;
        };
        if !answer
            .response
            .is_ok_and(|r| (200..300).contains(&r.status))
        {
            return;
        }
        let mut theirs = own;
        theirs.phase = Phase::Stateful;
        theirs.intent = Intent::OtherPlayer;
        theirs.auth = Auth::OtherPlayer;
        self.send_and_judge(theirs).await;
    }

    async fn follow(&mut self, from: Exchange, depth: usize) {
        const MAX_DEPTH: usize = 3;
        let Ok(response) = &from.response else {
            return;
        };
        if depth >= MAX_DEPTH || !(200..300).contains(&response.status) {
            return;
        }
        let shared: &'a Shared = self.shared;
        let spec: &'a Spec = &shared.spec;
        let source = spec.operation(&from.case.operation).unwrap_or(self.op);
        let declared = links::of_operation(spec, source);
        for link in declared.iter().flat_map(|link| link.as_followed(&from)) {
            let Some((index, mut case)) = linked_case(spec, &link, &from) else {
                continue;
            };
            let target = &spec.operations[index];
            let source_method = source.method.to_ascii_uppercase();
            let target_method = target.method.to_ascii_uppercase();
            case.intent = match (source_method.as_str(), target_method.as_str()) {
                ("DELETE", "GET") => Intent::AfterDelete {
                    deleted_by: source.id.clone(),
                },
                ("POST" | "PUT", "GET") => Intent::AfterCreate {
                    created_by: source.id.clone(),
                },
                _ => Intent::Valid,
            };
            if let Some(next) = self.judge_linked(index, case).await {
                Box::pin(self.follow(next, depth + 1)).await;
            }
        }
    }

    /// After a fuzz case that wrote with success (`written`, kept only for a 2xx answer): send
    /// the calls its answer links to that undo it ([`undoes`]: a DELETE, or a link marked
    /// `x-undoes`), judged as those operations, so that a long run does not pile what it makes
    /// up on the server (the grants of a 10-minute run would otherwise fill an inventory with
    /// thousands of instances, each listed again by every read). Only the links of the
    /// answer's status are followed ([`linked_case`]).
    pub(super) async fn clean_up(&mut self, written: &Exchange) {
        let shared: &'a Shared = self.shared;
        let spec: &'a Spec = &shared.spec;
        let undoing = self.undoing();
        for link in undoing.iter().flat_map(|link| link.per_item(written)) {
            if let Some((index, case)) = linked_case(spec, &link, written) {
                self.judge_linked(index, case).await;
            }
        }
    }

    /// Whether a fuzz case of this operation may be followed by a [`Self::clean_up`]: it
    /// writes, and one of its answers links to a call that undoes it.
    pub(super) fn cleans_up(&mut self) -> bool {
        inferred::is_write(self.op) && !self.undoing().is_empty()
    }

    /// The links of this operation's answers to calls that undo it ([`undoes`]), read from
    /// the document once: a fuzz run cleans up after every valid write.
    fn undoing(&mut self) -> Arc<[links::Link]> {
        let spec = &self.shared.spec;
        let op = self.op;
        self.undoing
            .get_or_insert_with(|| {
                links::of_operation(spec, op)
                    .into_iter()
                    .filter(|link| undoes(spec, link))
                    .collect()
            })
            .clone()
    }
}

/// Whether following `link` undoes the write whose answer declares it: the link says so
/// (`x-undoes`), or its target is a DELETE.
fn undoes(spec: &Spec, link: &links::Link) -> bool {
    link.undoes
        || spec
            .operation(&link.operation)
            .is_some_and(|o| o.method.eq_ignore_ascii_case("DELETE"))
}

/// The request `link` asks for after `from`: the target's example with the link's values, in
/// the stateful phase, as an operation index and a case; `None` when the link is for another
/// status, its target is unknown or has no example, or a value cannot be had from `from`.
fn linked_case(spec: &Spec, link: &links::Link, from: &Exchange) -> Option<(usize, Case)> {
    let status = from.response.as_ref().ok()?.status;
    if link.status != status {
        return None;
    }
    let index = spec
        .operations
        .iter()
        .position(|o| o.id == link.operation)?;
    let target = &spec.operations[index];
    let mut case = generate::examples(spec, target).into_iter().next()?;
    for (name, expression) in &link.parameters {
        let value = links::evaluate(expression, from)?;
        let (location, name) = match name.split_once('.') {
            Some((loc @ ("path" | "query" | "header"), n)) => (loc, n),
            _ => (location_of(target, name), name.as_str()),
        };
        let slot = match location {
            "query" => &mut case.query,
            "header" => &mut case.headers,
            _ => &mut case.path_params,
        };
        slot.insert(name.to_owned(), value);
    }
    if let Some(template) = &link.request_body {
        let value = links::body(template, from)?;
        let media_type = target.body.as_ref()?.1.first()?.media_type.clone();
        case.body = Some(crate::case::CaseBody {
            media_type,
            value,
            raw: None,
        });
    }
    case.phase = Phase::Stateful;
    case.intent = Intent::Valid;
    Some((index, case))
}

/// Where a link parameter without a location prefix goes: the target's parameter of that name.
fn location_of(op: &Operation, name: &str) -> &'static str {
    use gamespec_spec::spec::ParamLocation;
    match op
        .parameters
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.location)
    {
        Some(ParamLocation::Query) => "query",
        Some(ParamLocation::Header) => "header",
        _ => "path",
    }
}
