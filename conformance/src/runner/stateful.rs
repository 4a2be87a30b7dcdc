//! The stateful phase: send an operation's example, then follow the links its answer declares
//! (`$response.body#/id` into the next request), judging each follow-up as the operation it
//! calls, with the intent the pair implies: a read after a create should find the resource, a
//! read after a delete should not.

use crate::case::{Case, Intent, Phase};
use crate::exchange::Exchange;
use crate::generate;
use gamespec_spec::spec::{Operation, Spec};

use super::operation::OperationRun;
use super::{Shared, links};

impl<'a> OperationRun<'a> {
    /// Send the operation's example, then follow its links: a read after a create should find
    /// the resource, a read after a delete should not.
    pub(super) async fn stateful(&mut self, base: Case) {
        let first = links::of_operation(&self.shared.spec, self.op);
        if first.is_empty() {
            return;
        }
        let mut case = base;
        case.phase = Phase::Stateful;
        case.intent = Intent::Valid;
        let Some(exchange) = self.send_and_judge(case).await else {
            return;
        };
        self.follow(exchange, 0).await;
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
        for link in links::of_operation(spec, source) {
            if link.status != response.status {
                continue;
            }
            let Some(index) = spec.operations.iter().position(|o| o.id == link.operation) else {
                continue;
            };
            let target = &spec.operations[index];
            let Some(mut case) = generate::examples(spec, target).into_iter().next() else {
                continue;
            };
            let mut complete = true;
            for (name, expression) in &link.parameters {
                let Some(value) = links::evaluate(expression, &from) else {
                    complete = false;
                    break;
                };
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
            if !complete {
                continue;
            }
            let source_method = source.method.to_ascii_uppercase();
            let target_method = target.method.to_ascii_uppercase();
            case.phase = Phase::Stateful;
            case.intent = match (source_method.as_str(), target_method.as_str()) {
                ("DELETE", "GET") => Intent::AfterDelete {
                    deleted_by: source.id.clone(),
                },
                ("POST" | "PUT", "GET") => Intent::AfterCreate {
                    created_by: source.id.clone(),
                },
                _ => Intent::Valid,
            };
            let run_as = OperationRun::new(self.shared, index, self.client);
            // Judge the follow-up with the target operation's checks and documentation, but
            // keep tallies and failures in this run (the sequence belongs to the source).
            let checks = std::mem::replace(&mut self.checks, run_as.checks);
            let readback = std::mem::replace(&mut self.readback, run_as.readback);
            let op = std::mem::replace(&mut self.op, target);
            let next = self.send_and_judge(case).await;
            self.checks = checks;
            self.readback = readback;
            self.op = op;
            if let Some(next) = next {
                Box::pin(self.follow(next, depth + 1)).await;
            }
        }
    }
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
