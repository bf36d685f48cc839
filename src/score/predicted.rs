//! `--predict`: each customer's chance of still being a customer, expected
//! purchases and value over a horizon, from the models of `crate::predict`
//! fitted on this run's customers (docs/predict.md). Pure.
//!
//! Why the engine's occasions and not the RFM metrics: the models count
//! purchase *occasions* by calendar day (two orders on one day are one
//! occasion) and need the time of the first purchase, which frequency and
//! recency do not give. The engine counts them in the same reading
//! (`engine::Occasions`).
//!
//! The fit runs on distinct histories (x, t_x, T) with a weight each, so
//! its cost follows the distinct histories, not the customers; the
//! predictions are computed once per history and looked up per customer.
//! Time is whole days in the data and weeks inside the models (the unit of
//! the literature, so the parameters compare with published ones).

use crate::dates::Day;
use crate::engine::Occasions;
use crate::options::PredictOptions;
use crate::predict::{self, Fit, FitError, History, Spend, SpendFit};
use crate::score::analysis::ScoredCustomer;
use hashbrown::HashMap;

/// The columns `--predict` adds to a customer, after `segment_key`.
pub(crate) const COLUMNS: [&str; 4] = ["p_alive", "expected_orders", "expected_avg_value", "clv"];

/// Decimals of `p_alive` and `expected_orders` (money values have
/// `--decimals`).
pub(crate) const DECIMALS: u8 = 4;

/// The fewest customers with a repeat purchase `--predict` fits on: the
/// models' parameters describe how repeat purchases are spread, and with
/// fewer repeat buyers they are mostly noise (docs/predict.md).
pub(crate) const MIN_REPEAT_BUYERS: u64 = 50;

/// The correlation between repeat purchases and their average value above
/// which (in absolute value) the spend model's assumption that the two are
/// independent is doubtful, and a warning says so.
pub(crate) const STRONG_CORRELATION: f64 = 0.3;

/// One customer's prediction. Values that cannot be computed are NaN
/// (shown empty): the value ones for a file without amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Predicted {
    /// Probability that the customer is still active at the end of the data.
    pub(crate) p_alive: f64,
    /// Expected purchase occasions over the horizon.
    pub(crate) expected_orders: f64,
    /// Expected average value of those purchases, in the input's currency.
    pub(crate) expected_avg_value: f64,
    /// `expected_orders` (discounted with `--discount`) times
    /// `expected_avg_value`.
    pub(crate) clv: f64,
}

impl Predicted {
    const UNKNOWN: Predicted = Predicted {
        p_alive: f64::NAN,
        expected_orders: f64::NAN,
        expected_avg_value: f64::NAN,
        clv: f64::NAN,
    };
}

/// A run's prediction: the fitted models and every customer's values.
#[derive(Debug)]
pub(crate) struct Prediction {
    /// What was asked.
    pub(crate) options: PredictOptions,
    /// The purchase model.
    pub(crate) fit: Fit,
    /// The spend model (Gamma-Gamma); `None` for a file without amounts.
    pub(crate) spend: Option<SpendFit>,
    /// Correlation between repeat purchases and their average value, over
    /// the repeat buyers (`None` without amounts).
    pub(crate) correlation: Option<f64>,
    /// Customers fitted on.
    pub(crate) customers: u64,
    /// Customers left without a prediction: no purchase day (possible when
    /// `--scoring r-quantile` counts every row), or dates thousands of
    /// years apart.
    pub(crate) unpredicted: u64,
    /// Of them, customers with a repeat purchase.
    pub(crate) repeat_buyers: u64,
    /// Repeat buyers left out of the spend model: their returns take their
    /// repeat purchases' net value to zero or below.
    pub(crate) spend_left_out: u64,
    /// Why the spend model could not be fitted (the value columns are
    /// empty then).
    pub(crate) spend_error: Option<String>,
    /// Distinct (x, t_x, T) histories the purchase model was fitted on.
    pub(crate) histories: usize,
    /// The last day observed (the day before the as-of date).
    pub(crate) observed_to: Day,
    /// Each customer's values, by [`ScoredCustomer::code`]: the engine's
    /// customer code, then the position in the scored order
    /// ([`Prediction::in_order_of`]).
    pub(crate) values: Vec<Predicted>,
}

impl Prediction {
    /// The values of the customer with code `code`.
    pub(crate) fn of(&self, code: u32) -> &Predicted {
        self.values
            .get(code as usize)
            .unwrap_or(&Predicted::UNKNOWN)
    }
}

/// Why no prediction could be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PredictError {
    /// Too few customers bought more than once.
    #[error(
        "--predict: {found} of {customers} customers bought on more than one day; the models need \
         at least {minimum} such repeat buyers to say how purchases are spread (docs/predict.md); \
         give a longer period of orders"
    )]
    TooFewRepeatBuyers {
        /// Repeat buyers found.
        found: u64,
        /// Customers.
        customers: u64,
        /// [`MIN_REPEAT_BUYERS`].
        minimum: u64,
    },
    /// The fit failed.
    #[error("--predict: fitting {model} failed: {error}{}", other_models(model))]
    Fit {
        /// The model's name.
        model: &'static str,
        /// Why.
        error: FitError,
    },
}

/// For a purchase model that cannot be fitted: the others to try.
fn other_models(model: &str) -> String {
    let others: Vec<&str> = [
        predict::Model::BgNbd,
        predict::Model::MbgNbd,
        predict::Model::ParetoNbd,
    ]
    .iter()
    .filter(|m| m.name() != model)
    .map(|m| m.key())
    .collect();
    if others.len() == 3 {
        return String::new();
    }
    format!(
        "; --model {} may fit these data",
        others.join(" or --model ")
    )
}

/// Bits of each part of a [`history`] key.
const BITS: u32 = 21;

/// One customer's history in days, (x, t_x, T), packed in one number that
/// sorts as the triple does: 21 bits each (5,700 years of days, two million
/// purchase days), which any export fits; `None` for no occasion or a
/// history outside that.
fn history(o: &Occasions, observed_to: Day) -> Option<u64> {
    if o.days == 0 {
        return None;
    }
    let fits = |v: u32| (v < 1 << BITS).then_some(u64::from(v));
    let x = fits(o.days - 1)?;
    let t_x = fits(u32::try_from(o.last - o.first).ok()?)?;
    let t = fits(u32::try_from(observed_to - o.first).ok()?)?;
    Some(x << (2 * BITS) | t_x << BITS | t)
}

/// The (x, t_x, T) of a [`history`] key.
fn unpack(key: u64) -> (u32, u32, u32) {
    let mask = (1 << BITS) - 1;
    (
        (key >> (2 * BITS)) as u32,
        (key >> BITS & mask) as u32,
        (key & mask) as u32,
    )
}

/// Fits the models on the customers' occasions and net values (both by
/// customer code: `monetary`, all the customer's orders, returns included)
/// observed up to the day before `as_of` (or to `until`, `--until`, if
/// earlier: no order after it was read), and predicts every customer.
/// `scale` is the amounts' decimal scale; `amounts` is false for a file
/// without amounts (no spend model).
///
/// The spend model needs nothing from the purchase model, so it is
/// gathered and fitted on a thread of its own meanwhile (most of gathering
/// the histories runs on one core).
pub(crate) fn predict(
    occasions: &[Occasions],
    monetary: &[i64],
    as_of: Day,
    until: Option<Day>,
    scale: u8,
    amounts: bool,
    options: &PredictOptions,
) -> Result<Prediction, PredictError> {
    let observed_to = until.map_or(as_of - 1, |u| u.min(as_of - 1));
    let net = RepeatNet {
        occasions,
        monetary,
        unit: 10f64.powi(i32::from(scale)),
    };
    let (purchases, spend) = std::thread::scope(|scope| {
        let spend = amounts.then(|| scope.spawn(|| spend_model(&net, observed_to)));
        let purchases = purchase_model(occasions, observed_to, options.model);
        let spend = spend.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (purchases, spend)
    });
    let Purchases {
        fit,
        histories,
        of_customer,
        customers,
        repeat_buyers,
    } = purchases?;
    let horizon = options.days / 7.0;
    let per_history = fit.predict(horizon, None, &histories);
    let discounted = options
        .discount
        .map(|rate| fit.predict(horizon, Some(rate), &histories));
    let spend_fit = spend.as_ref().and_then(|s| s.fit.as_ref().ok());
    let value = |code: usize| {
        let h = of_customer[code];
        if h == u32::MAX {
            return Predicted::UNKNOWN;
        }
        let (p_alive, expected_orders) = per_history[h as usize];
        let orders = discounted
            .as_ref()
            .map_or(expected_orders, |d| d[h as usize].1);
        let expected_avg_value = match spend_fit {
            Some(fit) => {
                let (x, mean) = net.average(code);
                fit.expected_avg_value(x, mean)
            }
            None => f64::NAN,
        };
        Predicted {
            p_alive,
            expected_orders,
            expected_avg_value,
            clv: orders * expected_avg_value,
        }
    };
    let mut values = vec![Predicted::UNKNOWN; occasions.len()];
    predict::fill_halves(&mut values, value);
    let (spend, spend_left_out, spend_error, correlation) = match spend {
        Some(s) => {
            let correlation = Some(s.correlation);
            match s.fit {
                Ok(fit) => (Some(fit), s.left_out, None, correlation),
                Err(error) => (None, s.left_out, Some(error), correlation),
            }
        }
        None => (None, 0, None, None),
    };
    Ok(Prediction {
        options: options.clone(),
        fit,
        spend,
        correlation,
        customers,
        unpredicted: occasions.len() as u64 - customers,
        repeat_buyers,
        spend_left_out,
        spend_error,
        histories: histories.len(),
        observed_to,
        values,
    })
}

/// Each customer's net value of the purchases after their first day: all
/// they spent, returns included (an export rarely says which purchase a
/// return belongs to), less the first day's purchases.
struct RepeatNet<'a> {
    occasions: &'a [Occasions],
    monetary: &'a [i64],
    /// 10^scale: amounts are integers of this many units to the currency.
    unit: f64,
}

impl RepeatNet<'_> {
    /// The net value, in units, of customer `code`.
    fn units(&self, code: usize) -> i64 {
        self.monetary
            .get(code)
            .copied()
            .unwrap_or(0)
            .wrapping_sub(self.occasions[code].first_value)
    }

    /// Customer `code`'s repeat purchase days x and their average net
    /// value in the currency: at least 0 (a repeat buyer whose returns
    /// cancel their repeat purchases is left out of the fit, and still gets
    /// the model's expectation), 0 when x = 0.
    fn average(&self, code: usize) -> (u32, f64) {
        let x = self.occasions[code].days.saturating_sub(1);
        if x == 0 {
            return (0, 0.0);
        }
        let mean = (self.units(code).max(0) as f64 / self.unit) / f64::from(x);
        (x, mean)
    }
}

/// The fitted purchase model and what it was fitted on.
struct Purchases {
    fit: Fit,
    /// Distinct histories, in canonical order.
    histories: Vec<History>,
    /// Each customer's history (an index into `histories`), by customer
    /// code; `u32::MAX` for none.
    of_customer: Vec<u32>,
    /// Customers with a history.
    customers: u64,
    /// Of them, customers with a repeat purchase.
    repeat_buyers: u64,
}

/// Gathers the customers' distinct histories and fits `model` on them.
fn purchase_model(
    occasions: &[Occasions],
    observed_to: Day,
    model: predict::Model,
) -> Result<Purchases, PredictError> {
    let week = |days: u32| f64::from(days) / 7.0;
    // Distinct histories with their weights (first-seen index and count),
    // and each customer's first-seen index.
    let mut index: HashMap<u64, (u32, u32)> = HashMap::with_capacity(occasions.len() / 2);
    let mut of_customer: Vec<u32> = Vec::with_capacity(occasions.len());
    for o in occasions {
        let Some(key) = history(o, observed_to) else {
            of_customer.push(u32::MAX);
            continue;
        };
        let seen = index.len() as u32;
        let (at, weight) = index.entry(key).or_insert((seen, 0));
        *weight += 1;
        of_customer.push(*at);
    }
    // In a canonical order: customer codes follow the order in which the
    // workers met the customers, and the fit's sums must not depend on it
    // (reruns are byte-identical).
    let mut keys: Vec<(u64, (u32, u32))> = index.into_iter().collect();
    keys.sort_unstable_by_key(|&(key, _)| key);
    let mut rank = vec![0u32; keys.len()];
    for (new, &(_, (seen, _))) in keys.iter().enumerate() {
        rank[seen as usize] = new as u32;
    }
    let histories: Vec<History> = keys
        .into_iter()
        .map(|(key, (_, weight))| {
            let (x, t_x, t) = unpack(key);
            History {
                x,
                t_x: week(t_x),
                t: week(t),
                weight: f64::from(weight),
            }
        })
        .collect();
    for h in of_customer.iter_mut().filter(|h| **h != u32::MAX) {
        *h = rank[*h as usize];
    }
    let customers = of_customer.iter().filter(|&&h| h != u32::MAX).count() as u64;
    let repeat_buyers = histories
        .iter()
        .filter(|h| h.x > 0)
        .map(|h| h.weight as u64)
        .sum::<u64>();
    if repeat_buyers < MIN_REPEAT_BUYERS {
        return Err(PredictError::TooFewRepeatBuyers {
            found: repeat_buyers,
            customers,
            minimum: MIN_REPEAT_BUYERS,
        });
    }
    let fit = predict::fit(model, &histories).map_err(|error| PredictError::Fit {
        model: model.name(),
        error,
    })?;
    Ok(Purchases {
        fit,
        histories,
        of_customer,
        customers,
        repeat_buyers,
    })
}

/// The spend model and what it was fitted on.
struct SpendModel {
    /// The fit, or why it failed (a spend model that cannot be fitted
    /// leaves the value columns empty, not the purchase predictions).
    fit: Result<SpendFit, String>,
    /// Correlation of repeat purchases and their average value.
    correlation: f64,
    /// Repeat buyers left out: net value <= 0.
    left_out: u64,
}

/// Fits the spend model on the repeat buyers' average net value of their
/// repeat purchases (`RepeatNet`).
fn spend_model(net: &RepeatNet<'_>, observed_to: Day) -> SpendModel {
    let mut left_out = 0;
    let mut weights: HashMap<(u32, i64), u32> = HashMap::new();
    for (code, o) in net.occasions.iter().enumerate() {
        if o.days < 2 || history(o, observed_to).is_none() {
            continue;
        }
        let units = net.units(code);
        if units <= 0 {
            left_out += 1;
            continue;
        }
        *weights.entry((o.days - 1, units)).or_default() += 1;
    }
    // Canonical order, as for the histories.
    let mut keys: Vec<((u32, i64), u32)> = weights.into_iter().collect();
    keys.sort_unstable();
    let spends: Vec<Spend> = keys
        .into_iter()
        .map(|((x, units), weight)| Spend {
            x,
            mean: units as f64 / net.unit / f64::from(x),
            weight: f64::from(weight),
        })
        .collect();
    SpendModel {
        fit: predict::fit_spend(&spends).map_err(|error| error.to_string()),
        correlation: predict::correlation(&spends),
        left_out,
    }
}

impl Prediction {
    /// The prediction with its values in the order of `customers`, whose
    /// codes become their positions: the renderers read the values row by
    /// row, and a lookup by the engine's codes (the order in which its
    /// workers met the customers) is a cache miss per row.
    pub(crate) fn in_order_of(mut self, customers: &mut [ScoredCustomer]) -> Prediction {
        let values: Vec<Predicted> = customers.iter().map(|c| *self.of(c.code)).collect();
        for (i, c) in customers.iter_mut().enumerate() {
            c.code = i as u32;
        }
        self.values = values;
        self
    }
}

/// Sums of the predicted values over a set of customers (a segment).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct SegmentTotals {
    /// Customers with a prediction.
    pub(crate) customers: u64,
    /// Sum of p_alive.
    pub(crate) p_alive: f64,
    /// Sum of expected_orders.
    pub(crate) expected_orders: f64,
    /// Sum of clv (NaN without amounts).
    pub(crate) clv: f64,
}

impl SegmentTotals {
    fn add(&mut self, p: &Predicted) {
        if p.p_alive.is_nan() {
            return;
        }
        self.customers += 1;
        self.p_alive += p.p_alive;
        self.expected_orders += p.expected_orders;
        self.clv += p.clv;
    }
}

/// The totals per segment (`segments` of them, by segment index) and over
/// all the customers.
pub(crate) fn per_segment(
    customers: &[crate::score::analysis::ScoredCustomer],
    prediction: &Prediction,
    segments: usize,
) -> (Vec<SegmentTotals>, SegmentTotals) {
    let mut per = vec![SegmentTotals::default(); segments];
    let mut total = SegmentTotals::default();
    for c in customers {
        let p = prediction.of(c.code);
        if let Some(t) = per.get_mut(usize::from(c.segment)) {
            t.add(p);
        }
        total.add(p);
    }
    (per, total)
}

impl Prediction {
    /// What was fitted, for the summary's JSON document, report.json and
    /// `--explain`: the options, the parameters of both models (time in
    /// weeks), their log-likelihood and convergence.
    pub(crate) fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let fit = &self.fit;
        let parameters: serde_json::Map<String, serde_json::Value> = fit
            .params()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        let spend = self.spend.as_ref().map(|s| {
            json!({
                "name": "Gamma-Gamma",
                "parameters": { "p": s.p, "q": s.q, "v": s.v },
                "repeat_buyers": self.repeat_buyers.saturating_sub(self.spend_left_out),
                "left_out": self.spend_left_out,
                "log_likelihood": s.log_likelihood,
                "iterations": s.iterations,
                "converged": s.converged,
            })
        });
        json!({
            "horizon": self.options.horizon,
            "horizon_days": self.options.days,
            "model": fit.model.key(),
            "discount": self.options.discount,
            "observed_to": crate::dates::from_day(self.observed_to).format("%Y-%m-%d").to_string(),
            "customers": self.customers,
            "repeat_buyers": self.repeat_buyers,
            "distinct_histories": self.histories,
            "time_unit": "week",
            "purchase_model": {
                "name": fit.model.name(),
                "parameters": parameters,
                "log_likelihood": fit.log_likelihood,
                "iterations": fit.iterations,
                "converged": fit.converged,
            },
            "spend_model": spend,
            "spend_model_error": self.spend_error,
            "frequency_value_correlation": self.correlation,
        })
    }

    /// `--explain`: the fitted models, as lines for stderr.
    pub(crate) fn explain(&self) -> String {
        let fit = &self.fit;
        let mut text = format!(
            "prediction over {}, observed to {}; time in weeks:\n  {} on {} customers ({} \
             repeat buyers, {} distinct histories):",
            self.options.horizon,
            crate::dates::from_day(self.observed_to).format("%Y-%m-%d"),
            fit.model.name(),
            crate::notes::thousands(self.customers),
            crate::notes::thousands(self.repeat_buyers),
            crate::notes::thousands(self.histories as u64),
        );
        for (name, value) in fit.params() {
            text.push_str(&format!(" {name} = {value:.4}"));
        }
        text.push_str(&format!(
            "; log-likelihood {:.2}; {} iterations, {}\n",
            fit.log_likelihood,
            fit.iterations,
            if fit.converged {
                "converged"
            } else {
                "NOT converged"
            }
        ));
        if let Some(s) = &self.spend {
            text.push_str(&format!(
                "  Gamma-Gamma on {} repeat buyers{}: p = {:.4} q = {:.4} v = {:.4}; \
                 log-likelihood {:.2}; {} iterations, {}\n",
                crate::notes::thousands(self.repeat_buyers.saturating_sub(self.spend_left_out)),
                if self.spend_left_out > 0 {
                    format!(
                        " ({} left out: returns take their repeat purchases to zero or below)",
                        crate::notes::thousands(self.spend_left_out)
                    )
                } else {
                    String::new()
                },
                s.p,
                s.q,
                s.v,
                s.log_likelihood,
                s.iterations,
                if s.converged {
                    "converged"
                } else {
                    "NOT converged"
                }
            ));
        }
        if let Some(error) = &self.spend_error {
            text.push_str(&format!("  Gamma-Gamma could not be fitted: {error}\n"));
        }
        if let Some(r) = self.correlation {
            text.push_str(&format!(
                "  correlation of repeat purchases and their average value: {r:.3}\n"
            ));
        }
        if let Some(rate) = self.options.discount {
            text.push_str(&format!(
                "  clv discounted at {:.2} % a year, week by week\n",
                rate * 100.0
            ));
        }
        text
    }
}
