//! One template filled with many items, fast: a list read fills the same template once per
//! stored item (up to a collection's 1,000 on every read of a full one), and a field-by-field
//! merge hashes each key twice per item (looked up in the item, inserted into the new map).
//!
//! The items of one collection nearly always have the same fields in the same order. A
//! [`Filler`] works out once, for the first item of a layout, which of its fields fills which
//! field of the template; while the next items have that layout, each is a copy of a prepared
//! skeleton of the template (copying a map rehashes nothing) with the item's values put in by
//! position. An item of another layout makes a new plan. The result is always
//! [`render::merged`]'s (a test compares them on items of changing layouts).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::mock::state::render;

/// A template ready to be filled with many items (see the module's doc).
#[derive(Debug)]
pub struct Filler<'t> {
    template: &'t Value,
    /// The template's field values, by position (empty unless it is a non-empty object).
    fields: Vec<&'t Value>,
    /// The plan for the layout of the latest item.
    plan: Option<Plan>,
    /// Fillers of the template's object fields, by position, made when first needed.
    children: Vec<Option<Filler<'t>>>,
}

/// Where an item of one layout puts its values.
#[derive(Debug)]
struct Plan {
    /// The item's field names, in order: the layout this plan is for.
    keys: Vec<String>,
    /// For each field of the template, by position: the item's field that fills it, if any.
    from: Vec<Option<usize>>,
    /// The template with every field the item fills set to null, copied once per item.
    skeleton: Map<String, Value>,
}

/// Above this many fields an item's field names are found through a hash map, not one by one.
const SCANNED: usize = 16;

impl<'t> Filler<'t> {
    /// A filler of `template` (any JSON value; only a non-empty object is planned).
    pub fn new(template: &'t Value) -> Filler<'t> {
        let fields: Vec<&Value> = match template {
            Value::Object(t) => t.values().collect(),
            _ => Vec::new(),
        };
        let children = fields.iter().map(|_| None).collect();
        Filler {
            template,
            fields,
            plan: None,
            children,
        }
    }

    /// `item` merged over the template: the same value as [`render::merged`].
    pub fn fill(&mut self, item: &Value) -> Value {
        let (Value::Object(template), Value::Object(item)) = (self.template, item) else {
            return render::merged(self.template, item);
        };
        if template.is_empty() {
            return Value::Object(item.clone());
        }
        let plan = match &mut self.plan {
            Some(plan) if plan.fits(item) => plan,
            slot => slot.insert(Plan::new(template, item)),
        };
        let values: Vec<&Value> = item.values().collect();
        let mut out = plan.skeleton.clone();
        for (at, (slot, from)) in out.values_mut().zip(&plan.from).enumerate() {
            let Some(from) = *from else { continue };
            let (Some(&value), Some(&field)) = (values.get(from), self.fields.get(at)) else {
                continue;
            };
            *slot = match (field, self.children.get_mut(at)) {
                (Value::Object(f), Some(child)) if !f.is_empty() => {
                    child.get_or_insert_with(|| Filler::new(field)).fill(value)
                }
                _ => render::merged(field, value),
            };
        }
        Value::Object(out)
    }
}

impl Plan {
    fn new(template: &Map<String, Value>, item: &Map<String, Value>) -> Plan {
        let keys: Vec<String> = item.keys().cloned().collect();
        let from: Vec<Option<usize>> = if keys.len() > SCANNED {
            let index: HashMap<&str, usize> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), i))
                .collect();
            template
                .keys()
                .map(|k| index.get(k.as_str()).copied())
                .collect()
        } else {
            template
                .keys()
                .map(|k| keys.iter().position(|x| x == k))
                .collect()
        };
        let mut skeleton = template.clone();
        for (slot, from) in skeleton.values_mut().zip(&from) {
            if from.is_some() {
                *slot = Value::Null;
            }
        }
        Plan {
            keys,
            from,
            skeleton,
        }
    }

    /// Whether `item` has this plan's layout: the same field names in the same order.
    fn fits(&self, item: &Map<String, Value>) -> bool {
        self.keys.len() == item.len() && self.keys.iter().zip(item.keys()).all(|(a, b)| a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_filled_item_is_the_merged_item_whatever_the_layouts_in_turn() {
        let template = json!({
            "character": {"id": 1, "ulid": "01J", "type": "Ranger", "name": "B", "is_default": true},
            "loadout": [{"asset": 1}],
            "rank": 0,
            "tags": {},
        });
        let wide: Map<String, Value> = (0..SCANNED + 4)
            .map(|i| (format!("f{i}"), json!(i)))
            .chain([("rank".to_owned(), json!("7"))])
            .collect();
        let items = [
            json!({"character": {"id": "5", "is_default": "false", "name": "x"}, "id": 5, "loadout": []}),
            json!({"character": {"id": "6", "is_default": "true", "name": "y"}, "id": 6, "loadout": []}),
            json!({"loadout": [], "character": {"name": "z", "id": 7}, "rank": "3"}),
            json!({"character": "not an object", "tags": {"a": 1}}),
            json!({"character": {"id": "8", "is_default": "false", "name": "w"}, "id": 8, "loadout": []}),
            Value::Object(wide),
            json!({}),
            json!(["not", "an", "object"]),
            json!({"character": {}, "rank": null}),
        ];
        let mut filler = Filler::new(&template);
        for item in &items {
            assert_eq!(
                filler.fill(item).to_string(),
                render::merged(&template, item).to_string(),
                "{item}"
            );
        }
        for template in [json!({}), json!(3), json!([1])] {
            let mut filler = Filler::new(&template);
            for item in &items {
                assert_eq!(
                    filler.fill(item),
                    render::merged(&template, item),
                    "{template} {item}"
                );
            }
        }
    }
}
