//! Which input column plays which role.
//!
//! Exports name their columns every which way (`CustomerID`, `Customer ID`,
//! `customer_id`), so a flag that is not given is detected from the header:
//! names are compared case-, space-, hyphen- and underscore-insensitively
//! against a short list of common export names per role, in priority order.
//! Explicit flags always win. The outcome is a [`ColumnMap`] of field
//! indexes, resolved once per run and reported on stderr, so there is never
//! any doubt about which column was read.

use super::profiles::{AmountPer, Names, Profile, ProfileChoice};
use crate::dates::DateFormat;
use crate::error::{InputError, RowProblem, shown};
use crate::fold::fold;
use crate::money::{Decimal, DecimalSeparator};
use std::sync::Arc;

/// The column names given on the command line (`--customer` etc.).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ColumnFlags {
    /// `--customer`
    pub(crate) customer: Option<String>,
    /// `--date`
    pub(crate) date: Option<String>,
    /// `--amount`
    pub(crate) amount: Option<String>,
    /// `--quantity`
    pub(crate) quantity: Option<String>,
    /// `--price`
    pub(crate) price: Option<String>,
    /// `--order`
    pub(crate) order: Option<String>,
    /// Map no order column, whatever the header (`--scoring r-quantile`
    /// counts rows, not orders).
    pub(crate) no_order: bool,
    /// `--case-sensitive-ids`: e-mail ids are not lower-cased.
    pub(crate) case_sensitive_ids: bool,
    /// `--status COL`, or `none` for no status column.
    pub(crate) status: Option<String>,
    /// Which statuses are sales (`--count-status`, `--drop-status`).
    pub(crate) statuses: StatusRule,
    /// `--currency CODE`: keep the orders in this currency only.
    pub(crate) currency: Option<String>,
    /// `--profile`.
    pub(crate) profile: ProfileChoice,
    /// `--amount-per`.
    pub(crate) amount_per: Option<AmountPer>,
}

/// Which order statuses are sales. Values are compared folded (case,
/// accents and punctuation aside), a WooCommerce `wc-` prefix removed; an
/// empty status (the item lines of an order whose status is on its first
/// line) always counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum StatusRule {
    /// Every status but [`NOT_SALES`] (the default).
    #[default]
    Default,
    /// Only these (`--count-status`).
    Only(Vec<String>),
    /// Every status but these (`--drop-status`).
    AllBut(Vec<String>),
    /// Every status but [`NOT_SALES`] and these (an export profile's
    /// `not_sales`).
    DefaultAnd(Vec<String>),
}

/// Statuses that are not sales, whatever the platform: the order was
/// cancelled or voided, the payment failed or never completed, or all of it
/// was refunded. Folded; in English, Italian, Spanish, French, German,
/// Romanian and Catalan. Pending, on-hold, processing and authorised orders
/// count (a cash-on-delivery shop's orders stay pending), and the note on
/// stderr lists every status with its rows and amount, so they can be
/// dropped with `--drop-status`.
pub(crate) const NOT_SALES: &[&str] = &[
    "cancelled",
    "canceled",
    "cancel",
    "voided",
    "void",
    "failed",
    "failure",
    "declined",
    "refunded",
    "expired",
    "abandoned",
    "trash",
    "deleted",
    "draft",
    "rejected",
    "uncaptured",
    "reembolso",
    "rimborso",
    "remboursement",
    "erstattung",
    "rambursare",
    "reemborsament",
    "error",
    "requirespaymentmethod",
    "requiresconfirmation",
    "requiresaction",
    "paymenterror",
    "annullato",
    "annullata",
    "cancellato",
    "cancellata",
    "rimborsato",
    "rimborsata",
    "fallito",
    "fallita",
    "rifiutato",
    "cancelado",
    "cancelada",
    "anulado",
    "anulada",
    "reembolsado",
    "reembolsada",
    "fallido",
    "fallida",
    "rechazado",
    "rechazada",
    "annule",
    "annulee",
    "rembourse",
    "remboursee",
    "echoue",
    "echouee",
    "refuse",
    "refusee",
    "storniert",
    "abgebrochen",
    "erstattet",
    "ruckerstattet",
    "fehlgeschlagen",
    "abgelehnt",
    "anulat",
    "anulata",
    "rambursat",
    "rambursata",
    "esuat",
    "esuata",
    "respins",
    "respinsa",
    "cancellat",
    "cancellada",
    "anullat",
    "anullada",
    "reemborsat",
    "reemborsada",
    "fallat",
    "fallada",
    "rebutjat",
    // Drafts, abandoned checkouts and payment errors. (Not reversed
    // invoices, "stornată": their reversal is a negative invoice of its own,
    // and the two net to zero.)
    "abbandonato",
    "abbandonata",
    "abandonado",
    "abandonada",
    "abandonne",
    "abandonnee",
    "abandonat",
    "abandonata",
    "bozza",
    "borrador",
    "brouillon",
    "entwurf",
    "ciorna",
    "esborrany",
    "errore",
    "erreur",
    "fehler",
    "eroare",
    "nonriuscito",
    // Offers, not sales (Odoo's Quotation and Quotation Sent).
    "quotation",
    "quote",
    "preventivo",
    "presupuesto",
    "cotizacion",
    "devis",
    "angebot",
    "oferta",
    "pressupost",
];

/// WooCommerce's unpaid statuses, when written as its slugs with the `wc-`
/// prefix (WP All Export, the database): that prefix says the status is
/// WooCommerce's, whose paid statuses are processing and completed.
pub(crate) const WOO_UNPAID: &[&str] = &["pending", "onhold", "checkoutdraft"];

/// Words that make a refund or cancellation partial (the order stays a sale).
pub(crate) const PARTIAL: &[&str] = &[
    "partially",
    "partial",
    "part",
    "parzialmente",
    "parziale",
    "parcialmente",
    "parcial",
    "partiellement",
    "partiel",
    "partielle",
    "teilweise",
    "teil",
    "partial",
    "partiala",
    "partialmente",
];

impl StatusRule {
    /// A status as compared: folded, without a `wc-` prefix.
    pub(crate) fn key(status: &str) -> String {
        let status = status.trim();
        let bare = match status.get(..3) {
            Some(p) if p.eq_ignore_ascii_case("wc-") => &status[3..],
            _ => status,
        };
        fold(bare)
    }

    /// Whether an order with this status is a sale. The built-in list is
    /// matched against the whole status and each of its words
    /// (`Bestellung storniert`, `checkout-draft`, `Payment error`), unless
    /// a word says it was partial (`Partially refunded` is a sale, net of
    /// its refund); the user's lists against the whole status.
    pub(crate) fn counts(&self, status: &str) -> bool {
        let key = Self::key(status);
        if key.is_empty() {
            return true;
        }
        match self {
            StatusRule::Default => {
                if NOT_SALES.contains(&key.as_str()) {
                    return false;
                }
                let woo = status
                    .trim()
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case("wc-"));
                if woo && WOO_UNPAID.contains(&key.as_str()) {
                    return false;
                }
                let words: Vec<String> = status
                    .split(|c: char| !c.is_alphanumeric())
                    .map(fold)
                    .filter(|w| !w.is_empty())
                    .collect();
                let partial = words.iter().any(|w| PARTIAL.contains(&w.as_str()));
                partial || !words.iter().any(|w| NOT_SALES.contains(&w.as_str()))
            }
            StatusRule::Only(list) => list.contains(&key),
            StatusRule::AllBut(list) => !list.contains(&key),
            StatusRule::DefaultAnd(list) => {
                // The profile's one-word entries match words too, as the
                // built-in list does (`Pending Bank Transfer`).
                let words: Vec<String> = status
                    .split(|c: char| !c.is_alphanumeric())
                    .map(fold)
                    .filter(|w| !w.is_empty())
                    .collect();
                let partial = words.iter().any(|w| PARTIAL.contains(&w.as_str()));
                !list.contains(&key)
                    && (partial || !words.iter().any(|w| list.contains(w)))
                    && StatusRule::Default.counts(status)
            }
        }
    }

    /// A rule from `--count-status` / `--drop-status` lists (comma-separated).
    pub(crate) fn from_lists(count: Option<&str>, drop: Option<&str>) -> StatusRule {
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .map(StatusRule::key)
                .filter(|k| !k.is_empty())
                .collect()
        };
        match (count, drop) {
            (Some(count), _) => StatusRule::Only(list(count)),
            (None, Some(drop)) => StatusRule::AllBut(list(drop)),
            (None, None) => StatusRule::Default,
        }
    }
}

/// How a row's amount is obtained: from column indexes (`T = usize`), or
/// from whatever a reader holds per column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmountColumns<T = usize> {
    /// One amount column.
    Amount(T),
    /// Quantity x unit price.
    QuantityPrice {
        /// Quantity column.
        quantity: T,
        /// Unit price column.
        price: T,
    },
    /// No amount column: recency and frequency only. Every line is worth
    /// [`Decimal::ONE`], so every order is a purchase; monetary values are
    /// not shown.
    Absent,
}

impl<T> AmountColumns<T> {
    /// The row's amount: the amount column, or quantity x price (an error
    /// naming both values, as `text` gives them, when the product does not
    /// fit). One rule for every reader.
    pub(crate) fn value(
        &self,
        number: impl Fn(&T) -> Result<Decimal, RowProblem>,
        text: impl Fn(&T) -> String,
    ) -> Result<Decimal, RowProblem> {
        match self {
            AmountColumns::Amount(a) => number(a),
            AmountColumns::Absent => Ok(Decimal::ONE),
            AmountColumns::QuantityPrice { quantity, price } => {
                let q = number(quantity)?;
                let p = number(price)?;
                q.checked_mul(p).ok_or_else(|| RowProblem::ProductOverflow {
                    quantity: text(quantity),
                    price: text(price),
                })
            }
        }
    }
}

/// Field indexes of the columns rfm reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnMap {
    /// Customer id.
    pub(crate) customer: usize,
    /// Order date.
    pub(crate) date: usize,
    /// Amount, or quantity and price.
    pub(crate) amount: AmountColumns,
    /// Order id, when rows are order lines.
    pub(crate) order: Option<usize>,
    /// The header, for messages.
    pub(crate) header: Vec<String>,
    /// How the date column is read: `--date-format`, or what the reader
    /// found in the first rows (`dates::sniff`).
    pub(crate) date_format: DateFormat,
    /// The amounts' decimal separator: `--decimal-comma`, or what the
    /// reader found in the first rows (`money::sniff_separator`).
    pub(crate) decimal: DecimalSeparator,
    /// Lower-case customer ids that are e-mail addresses ([`customer_key`]).
    pub(crate) fold_emails: bool,
    /// The order status, when there is one (`--status`, or detected).
    pub(crate) status: Option<usize>,
    /// Which statuses are sales.
    pub(crate) statuses: StatusRule,
    /// The currency column, when there is one (detected).
    pub(crate) currency: Option<usize>,
    /// `--currency CODE`, upper case.
    pub(crate) keep_currency: Option<String>,
    /// The export profile in use.
    pub(crate) profile: Option<Arc<Profile>>,
    /// Customer columns read when the customer column is empty, in order
    /// (a profile's e-mail then phone).
    pub(crate) customer_fallback: Vec<usize>,
    /// Columns added to or subtracted from the amount (refunds...).
    pub(crate) terms: Vec<Term>,
    /// Rows that are not sales whatever their status: a column and the
    /// values (folded) that leave a row out, or any value when empty.
    pub(crate) exclude: Vec<(usize, Vec<String>)>,
    /// The amount is the order's, taken once per order (see
    /// [`AmountPer::Order`]); needs an order column.
    pub(crate) per_order: bool,
    /// Columns the profile names that the file does not have (left out).
    pub(crate) absent: Vec<String>,
    /// A document type column: credit notes in it are subtracted.
    pub(crate) doc_type: Option<usize>,
    /// `--where`, `--by` and `--keep` (set once the dates are sniffed).
    pub(crate) extras: super::extras::Extras,
}

/// A column that adjusts a row's amount (blank: no change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    /// Added (shipping).
    Add(usize),
    /// Subtracted (a refunded amount, a discount).
    Subtract(usize),
    /// When `adjusted` holds a value other than 0, `total - adjusted` was
    /// refunded and is subtracted (Etsy's Adjusted Order Total).
    Adjusted {
        /// The original total.
        total: usize,
        /// The total after refunds.
        adjusted: usize,
    },
}

// Names per role, most specific first: the first name that some column
// matches wins (an id over an email over a name; an order date over a
// generic date). English first, then Italian, Spanish, French, German,
// Romanian and Catalan, the languages of rfm's users. Compared folded
// ([`fold`]): case, accents, spaces and punctuation do not matter.

const CUSTOMER: &[&str] = &[
    // Ids.
    "customer_id",
    "customerid",
    "customer_number",
    "customer_no",
    "customer_code",
    "client_id",
    "user_id",
    "buyer_id",
    "buyer_user_id",
    "account_id",
    "member_id",
    "contact_id",
    "id_cliente",
    "codice_cliente",
    "cod_cliente",
    "cliente_id",
    "codigo_cliente",
    "numero_cliente",
    "num_cliente",
    "id_client",
    "code_client",
    "numero_client",
    "kundennummer",
    "kunden_nr",
    "kundennr",
    "kunden_id",
    "kunde_id",
    "kd_nr",
    "cod_client",
    "codi_client",
    // Emails.
    "customer_email",
    "email",
    "e_mail",
    "email_address",
    "billing_email",
    "email_billing",
    "buyer_email",
    "correo",
    "correo_electronico",
    "email_cliente",
    "courriel",
    "adresse_email",
    "email_adresse",
    "adresa_email",
    "correu",
    "correu_electronic",
    // Names.
    "customer",
    "client",
    "buyer",
    "customer_name",
    "partner",
    "contact",
    "raison_sociale",
    "ragione_sociale",
    "denominazione",
    "nombre_del_contacto",
    "razon_social",
    "firma",
    "denumire_client",
    "cliente",
    "nome_cliente",
    "nombre_cliente",
    "nom_client",
    "kunde",
    "kundenname",
    "nume_client",
    "nom_del_client",
];
const DATE: &[&str] = &[
    "order_date",
    "invoicedate",
    "invoice_date",
    "purchase_date",
    "sale_date",
    "order_date_time",
    "transaction_date",
    "payment_date",
    "created_at",
    "created_date_utc",
    "created_utc",
    "created_date",
    "date_created",
    "data_ordine",
    "data_fattura",
    "data_documento",
    "data_vendita",
    "fecha_pedido",
    "fecha_de_pedido",
    "fecha_factura",
    "fecha_venta",
    "date_commande",
    "date_de_commande",
    "date_facture",
    "bestelldatum",
    "rechnungsdatum",
    "belegdatum",
    "kaufdatum",
    "data_comenzii",
    "data_comanda",
    "data_facturii",
    "data_de_la_comanda",
    "data_factura",
    "data_emiterii",
    "data_emitere",
    "invoice_bill_date",
    "date_facturation",
    "date_de_facturation",
    "fecha_de_factura",
    "fecha_emision",
    "data_emissione",
    "rechnungs_datum",
    "date",
    "data",
    "fecha",
    "datum",
    "created",
];
const AMOUNT: &[&str] = &[
    "amount",
    "total",
    "revenue",
    "sales",
    "order_total",
    "order_total_amount",
    "grand_total",
    // Magento: the store's base currency, the same for every order.
    "grand_total_base",
    "grand_total_purchased",
    "total_amount",
    "total_signed",
    "amount_total_signed",
    "total_collected",
    "net_sales",
    "value",
    "importo",
    "importo_totale",
    "totale",
    "totale_ordine",
    "totale_documento",
    "valore",
    "importe",
    "importe_total",
    "total_pedido",
    "monto",
    "valor",
    "montant",
    "montant_total",
    "montant_ttc",
    "total_ttc",
    "valeur",
    "betrag",
    "gesamtbetrag",
    "bruttobetrag",
    "rechnungsbetrag",
    "endbetrag",
    "brutto",
    "betrag_brutto",
    "summe_brutto",
    "bruttosumme",
    "gesamt_brutto",
    "summe",
    "gesamt",
    "umsatz",
    "netto",
    "nettobetrag",
    "wert",
    "suma",
    "valoare",
    "valoare_totala",
    "total_comanda",
    "total_order",
    "importo_totale_ordine",
    "importe_total_pedido",
    "total_commande",
    "montant_commande",
    "montant_de_la_commande",
    "bestellsumme",
    "bestellwert",
    "gesamtbetrag_bestellung",
    "valoare_comanda",
    "import",
    "import_total",
];
const STATUS: &[&str] = &[
    "order_status",
    // The document's own status (draft, posted, cancelled) decides over
    // how far it is paid.
    "status",
    "financial_status",
    "payment_status",
    // Not "state": in shop exports it is the address's.
    "stato_ordine",
    "stato",
    "estado_pedido",
    "estado",
    "statut",
    "etat",
    "bestellstatus",
    "zahlungsstatus",
    "status_comanda",
    "stare",
    "estat",
];
const CURRENCY: &[&str] = &[
    "currency",
    "currency_code",
    "order_currency",
    "presentment_currency",
    "valuta",
    "moneda",
    "divisa",
    "devise",
    "wahrung",
    "moneda_comanda",
];
/// Amount columns that hold an order's total, not a line's: with an order
/// column, they are taken once per order ([`AmountPer::Order`]). Folded.
pub(crate) const ORDER_TOTAL: &[&str] = &[
    "ordertotal",
    "ordertotalamount",
    "grandtotal",
    "totalorder",
    "totaleordine",
    "importototaleordine",
    "totalpedido",
    "importetotalpedido",
    "totalcommande",
    "montantcommande",
    "bestellsumme",
    "gesamtbetragbestellung",
    "bestellwert",
    "montantdelacommande",
    "totalcomanda",
    "valoarecomanda",
];
/// A document's type (invoice, credit note), in invoice lists: a credit
/// note with a positive total is subtracted.
const DOC_TYPE: &[&str] = &[
    "document_type",
    "doc_type",
    "type",
    "move_type",
    "invoice_type",
    "tipo_documento",
    "tipo_doc",
    "tipo",
    "tipo_de_documento",
    "type_de_document",
    "type_de_piece",
    "belegart",
    "dokumententyp",
    "rechnungstyp",
    "tip_document",
    "tipus_de_document",
    "tipus_document",
];
/// Refunded amounts, subtracted from the amount (when no profile says
/// otherwise).
const REFUND: &[&str] = &[
    "refunded_amount",
    "amount_refunded",
    "refunded_total",
    "total_refunded",
    "order_refund_amount",
    "refund_amount",
    "importo_rimborsato",
    "rimborso",
    "importe_reembolsado",
    "montant_rembourse",
    "erstattungsbetrag",
    "erstatteter_betrag",
    "suma_rambursata",
    "import_reemborsat",
];
const QUANTITY: &[&str] = &[
    "quantity",
    "qty",
    "lineitem_quantity",
    "quantita",
    "qta",
    "cantidad",
    "quantite",
    "menge",
    "anzahl",
    "cantitate",
    "cantitat",
];
const PRICE: &[&str] = &[
    "price",
    "unitprice",
    "unit_price",
    "lineitem_price",
    "prezzo",
    "prezzo_unitario",
    "precio",
    "precio_unitario",
    "prix",
    "prix_unitaire",
    "preis",
    "einzelpreis",
    "stuckpreis",
    "pret",
    "pret_unitar",
    "preu",
    "preu_unitari",
];
const ORDER: &[&str] = &[
    "order_id",
    "order_reference",
    "invoice",
    "invoiceno",
    "order_number",
    "order_no",
    "invoice_number",
    "invoice_id",
    "transaction_id",
    "receipt_id",
    "numero_ordine",
    "n_ordine",
    "id_ordine",
    "ordine",
    "numero_fattura",
    "n_fattura",
    "fattura",
    "numero_documento",
    "numero_pedido",
    "numero_de_pedido",
    "id_pedido",
    "pedido",
    "numero_factura",
    "n_factura",
    "num_factura",
    "factura",
    "numero_commande",
    "numero_de_commande",
    "n_de_commande",
    "no_commande",
    "no_de_commande",
    "numero_de_facture",
    "n_de_facture",
    "id_commande",
    "commande",
    "numero_facture",
    "n_facture",
    "facture",
    "bestellnummer",
    "bestell_nr",
    "auftragsnummer",
    "rechnungsnummer",
    "rechnungs_nr",
    "beleg_nr",
    "auftrags_nr",
    "rechnung",
    "belegnummer",
    "numar_comanda",
    "nr_comanda",
    "comanda",
    "numar_factura",
    "nr_factura",
    "numero_de_comanda",
];

impl ColumnMap {
    /// Resolves the roles against a header: flags first, then the export
    /// profile (detected or `--profile`), then the names every role is
    /// known by.
    pub(crate) fn resolve(
        header: &[String],
        flags: &ColumnFlags,
        file: &str,
    ) -> Result<ColumnMap, InputError> {
        let find = |flag: &'static str, given: &Option<String>, names: &[&str]| {
            find_column(header, flag, given.as_deref(), names, file)
        };
        let profile = flags.profile.for_header(header);
        let p = profile.as_deref();
        // A column the profile names: required ones must be there.
        let named = |role: &'static str,
                     names: &Names,
                     required: bool|
         -> Result<Option<usize>, InputError> {
            let at = names.find(header);
            match (at, p) {
                (None, Some(p)) if required => Err(InputError::ProfileColumn {
                    file: file.to_owned(),
                    profile: p.name.clone(),
                    role,
                    column: names.shown(),
                    columns: header_list(header),
                }),
                _ => Ok(at),
            }
        };
        // The profile's optional columns the file does not have (said in
        // the columns note: an export that renamed one loses its part).
        let mut absent = Vec::new();
        let mut customer_fallback = Vec::new();
        let customer = match (p, &flags.customer) {
            (Some(p), None) if !p.columns.customer.is_empty() => {
                let present: Vec<usize> = p
                    .columns
                    .customer
                    .iter()
                    .filter_map(|names| names.find(header))
                    .collect();
                match present.split_first() {
                    Some((first, rest)) => {
                        customer_fallback = rest.to_vec();
                        Some(*first)
                    }
                    None => {
                        let all: Vec<String> = p
                            .columns
                            .customer
                            .iter()
                            .flat_map(|n| n.all().iter().cloned())
                            .collect();
                        named("the customer", &Names::Any(all), true)?
                    }
                }
            }
            (Some(p), None) if p.no_customer.is_some() => {
                return Err(p.no_customer_error(file).unwrap_or(InputError::NoRows {
                    file: file.to_owned(),
                }));
            }
            _ => find("--customer", &flags.customer, CUSTOMER)?,
        };
        let date = match (p.and_then(|p| p.columns.date.as_ref()), &flags.date) {
            (Some(name), None) => named("the order date", name, true)?,
            _ => find("--date", &flags.date, DATE)?,
        };
        let order = match (p.and_then(|p| p.columns.order.as_ref()), &flags.order) {
            _ if flags.no_order => None,
            (Some(name), None) => named("the order id", name, true)?,
            _ => find("--order", &flags.order, ORDER)?,
        };
        let status = match (
            flags.status.as_deref(),
            p.and_then(|p| p.columns.status.as_ref()),
        ) {
            (Some(none), _) if none.eq_ignore_ascii_case("none") => None,
            (None, Some(names)) => {
                let at = named("the order status", names, false)?;
                if at.is_none() {
                    absent.push(names.first().to_owned());
                }
                at
            }
            (given, _) => find_column(header, "--status", given, STATUS, file)?,
        };
        if status.is_none() && flags.statuses != StatusRule::Default && flags.status.is_none() {
            return Err(InputError::NoColumnFor {
                file: file.to_owned(),
                flag: "--count-status/--drop-status",
                what: "an order status column (name it with --status COL)",
                columns: header_list(header),
            });
        }
        let explicit_qp = flags.quantity.is_some() || flags.price.is_some();
        let explicit_amount = flags.amount.is_some() || explicit_qp;
        let profile_amount = p
            .and_then(|p| p.columns.amount.as_ref())
            .filter(|_| !explicit_amount);
        let amount = match profile_amount {
            Some(name) => named("the amount", name, true)?,
            None if flags.amount.is_some() || !explicit_qp => {
                find("--amount", &flags.amount, AMOUNT)?
            }
            None => None,
        };
        let amount = match amount {
            Some(a) => Some(AmountColumns::Amount(a)),
            None => {
                let quantity = find("--quantity", &flags.quantity, QUANTITY)?;
                let price = find("--price", &flags.price, PRICE)?;
                quantity
                    .zip(price)
                    .map(|(quantity, price)| AmountColumns::QuantityPrice { quantity, price })
            }
        };
        // No amount column at all, and none named: recency and frequency
        // only (a warning says so).
        let amount = match (customer, date, amount) {
            (Some(_), Some(_), None) if !explicit_amount => Some(AmountColumns::Absent),
            _ => amount,
        };
        // Report every missing role at once, not one per run.
        let (Some(customer), Some(date), Some(amount)) = (customer, date, amount) else {
            let mut missing = Vec::new();
            if customer.is_none() {
                missing.push("customer id (--customer COL)");
            }
            if date.is_none() {
                missing.push("order date (--date COL)");
            }
            if amount.is_none() {
                missing.push("amount (--amount COL, or --quantity COL --price COL)");
            }
            let numbered = header
                .iter()
                .enumerate()
                .all(|(i, h)| *h == format!("column{}", i + 1));
            let mut columns = header_list(header);
            if numbered {
                columns.push_str(" (numbered: the first line holds no column names)");
            }
            return Err(InputError::MissingColumns {
                file: file.to_owned(),
                missing: missing.join(", "),
                columns,
            });
        };
        // What adjusts the amount: the profile's columns, or a refund
        // column found by name, unless the amount was named by a flag.
        let mut terms = Vec::new();
        if let (false, AmountColumns::Amount(_)) = (explicit_amount, amount) {
            match p {
                Some(p) => {
                    let signed = p
                        .columns
                        .add
                        .iter()
                        .map(|c| (c, Term::Add as fn(usize) -> Term));
                    let signed = signed.chain(
                        p.columns
                            .subtract
                            .iter()
                            .map(|c| (c, Term::Subtract as fn(usize) -> Term)),
                    );
                    for (names, term) in signed {
                        match names.find(header) {
                            Some(i) => terms.push(term(i)),
                            None => absent.push(names.first().to_owned()),
                        }
                    }
                    if let [total, adjusted] = p.columns.adjusted.as_slice() {
                        match (exact(header, total), exact(header, adjusted)) {
                            (Some(total), Some(adjusted)) => {
                                terms.push(Term::Adjusted { total, adjusted })
                            }
                            _ => absent.push(adjusted.clone()),
                        }
                    }
                }
                None => terms.extend(first_named(header, REFUND).map(Term::Subtract)),
            }
        }
        let statuses = match (&flags.statuses, p) {
            (StatusRule::Default, Some(p)) => p.status_rule(),
            (rule, _) => rule.clone(),
        };
        let exclude = p
            .map(|p| {
                p.rules
                    .exclude
                    .iter()
                    .filter_map(|e| {
                        let values = e.values.iter().map(|v| StatusRule::key(v)).collect();
                        let at = exact(header, &e.column);
                        if at.is_none() {
                            absent.push(e.column.clone());
                        }
                        at.map(|i| (i, values))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // An amount named by a flag is not the profile's: neither are its
        // terms nor its level.
        let per = flags
            .amount_per
            .or(p
                .and_then(|p| p.rules.amount_per)
                .filter(|_| !explicit_amount))
            .unwrap_or(match amount {
                AmountColumns::Amount(a) if ORDER_TOTAL.contains(&fold(&header[a]).as_str()) => {
                    AmountPer::Order
                }
                _ => AmountPer::Line,
            });
        let per_order = per == AmountPer::Order
            && order.is_some()
            && matches!(amount, AmountColumns::Amount(_));
        if flags.amount_per == Some(AmountPer::Order) && !per_order {
            return Err(InputError::NoColumnFor {
                file: file.to_owned(),
                flag: "--amount-per order",
                what: "an order id column (--order COL) and one amount column (not quantity x price)",
                columns: header_list(header),
            });
        }
        let currency_column = match p.and_then(|p| p.columns.currency.as_ref()) {
            Some(names) => named("the currency", names, false)?,
            None => first_named(header, CURRENCY),
        };
        Ok(ColumnMap {
            customer,
            date,
            amount,
            order,
            header: header.to_vec(),
            date_format: DateFormat::Iso,
            decimal: DecimalSeparator::Point,
            fold_emails: !flags.case_sensitive_ids,
            status,
            statuses,
            currency: match (currency_column, &flags.currency) {
                (None, Some(_)) => {
                    return Err(InputError::NoColumnFor {
                        file: file.to_owned(),
                        flag: "--currency",
                        what: "a currency column (currency, currency code, valuta, moneda, devise...)",
                        columns: header_list(header),
                    });
                }
                (found, _) => found,
            },
            keep_currency: flags
                .currency
                .as_deref()
                .map(|c| c.trim().to_ascii_uppercase()),
            profile,
            customer_fallback,
            terms,
            exclude,
            per_order,
            absent,
            doc_type: first_named(header, DOC_TYPE),
            extras: super::extras::Extras::default(),
        })
    }

    /// The amount column's name, or `Quantity x Price`.
    pub(crate) fn amount_name(&self) -> String {
        match self.amount {
            AmountColumns::Amount(a) => self.header[a].clone(),
            AmountColumns::QuantityPrice { quantity, price } => {
                format!("{} x {}", self.header[quantity], self.header[price])
            }
            AmountColumns::Absent => "(none)".to_owned(),
        }
    }

    /// A one-line description for the stderr note, e.g.
    /// `customer=CustomerID, date=InvoiceDate, amount=Quantity x UnitPrice, order=InvoiceNo`.
    pub(crate) fn describe(&self) -> String {
        let name = |i: usize| shown(&self.header[i]);
        let mut amount = match self.amount {
            AmountColumns::Amount(a) => name(a),
            AmountColumns::QuantityPrice { quantity, price } => {
                format!("{} x {}", name(quantity), name(price))
            }
            AmountColumns::Absent => "(none: recency and frequency only)".to_owned(),
        };
        for term in &self.terms {
            match *term {
                Term::Add(i) => amount.push_str(&format!(" + {}", name(i))),
                Term::Subtract(i) => amount.push_str(&format!(" - {}", name(i))),
                Term::Adjusted { total, adjusted } => amount.push_str(&format!(
                    " - ({} - {} when set)",
                    name(total),
                    name(adjusted)
                )),
            }
        }
        if self.per_order {
            amount.push_str(" (once per order)");
        }
        let order = match self.order {
            Some(o) => name(o),
            None => "(none: each row is one order)".to_owned(),
        };
        let mut customer = name(self.customer);
        if !self.customer_fallback.is_empty() {
            let rest: Vec<String> = self.customer_fallback.iter().map(|&i| name(i)).collect();
            customer.push_str(&format!(" (else {})", rest.join(", then ")));
        }
        let mut text = format!(
            "customer={customer}, date={}, amount={amount}, order={order}",
            name(self.date),
        );
        if let Some(p) = &self.profile {
            text = format!(
                "{} (profile {}; --profile none reads columns by name): {text}",
                p.title, p.name
            );
            if !self.absent.is_empty() {
                let list: Vec<String> = self.absent.iter().map(|c| shown(c)).collect();
                text.push_str(&format!(
                    "; the profile's {} not in the file: left out",
                    if list.len() == 1 {
                        format!("column '{}' is", list[0])
                    } else {
                        format!("columns '{}' are", list.join("', '"))
                    }
                ));
            }
            for (i, values) in &self.exclude {
                if values.is_empty() {
                    text.push_str(&format!("; rows with a {} are out", name(*i)));
                } else {
                    text.push_str(&format!(
                        "; rows with {} {} are out",
                        name(*i),
                        values.join("/")
                    ));
                }
            }
        }
        text
    }
}

/// The first column whose name is `name`, compared folded (a profile's
/// column names).
pub(super) fn exact(header: &[String], name: &str) -> Option<usize> {
    let name = fold(name);
    header.iter().position(|h| fold(h) == name)
}

/// The first column, in the names' order, with one of `names` (no flag,
/// and two alike are no error: the first is read).
fn first_named(header: &[String], names: &[&str]) -> Option<usize> {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    names
        .iter()
        .find_map(|name| folded.iter().position(|h| *h == fold(name)))
}

pub(super) fn find_column(
    header: &[String],
    flag: &'static str,
    given: Option<&str>,
    names: &[&str],
    file: &str,
) -> Result<Option<usize>, InputError> {
    if let Some(given) = given {
        if let Some(i) = header.iter().position(|h| h == given) {
            return Ok(Some(i));
        }
        let folded = fold(given);
        let matches: Vec<usize> = (0..header.len())
            .filter(|&i| fold(&header[i]) == folded)
            .collect();
        return match matches.as_slice() {
            [i] => Ok(Some(*i)),
            [_, _, ..] => Err(InputError::AmbiguousColumn {
                file: file.to_owned(),
                flag,
                name: given.to_owned(),
                matches: matches
                    .iter()
                    .map(|&i| header[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            [] => Err(InputError::UnknownColumn {
                file: file.to_owned(),
                flag,
                name: given.to_owned(),
                columns: header_list(header),
            }),
        };
    }
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    for name in names {
        let name = fold(name);
        let matches: Vec<usize> = (0..header.len()).filter(|&i| folded[i] == name).collect();
        match matches.as_slice() {
            [] => continue,
            [i] => return Ok(Some(*i)),
            _ => {
                return Err(InputError::AmbiguousRole {
                    file: file.to_owned(),
                    flag,
                    matches: matches
                        .iter()
                        .map(|&i| format!("'{}'", shown(&header[i])))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(None)
}

/// A customer id as rfm compares it: an id with an `@` is an e-mail
/// address, and addresses differ in case only by accident (`Ann@Shop.com`
/// at checkout, `ann@shop.com` in the newsletter form), so it is
/// lower-cased unless `fold` is off (`--case-sensitive-ids`); other ids are
/// kept as written. `rfm sql` writes the same rule in SQL.
pub(crate) fn customer_key(id: &str, fold: bool) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if !fold || memchr::memchr(b'@', id.as_bytes()).is_none() {
        return Cow::Borrowed(id);
    }
    if id.is_ascii() {
        if id.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(id.to_ascii_lowercase());
        }
        return Cow::Borrowed(id);
    }
    let lower = id.to_lowercase();
    if lower == id {
        Cow::Borrowed(id)
    } else {
        Cow::Owned(lower)
    }
}

/// A header for messages: each name as [`shown`] quotes it.
pub(crate) fn header_list(header: &[String]) -> String {
    header
        .iter()
        .map(|h| shown(h))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn online_retail_header_is_detected() {
        let h = header(&[
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ]);
        let map = ColumnMap::resolve(&h, &ColumnFlags::default(), "x.csv").unwrap();
        assert_eq!(map.customer, 6);
        assert_eq!(map.date, 4);
        assert_eq!(
            map.amount,
            AmountColumns::QuantityPrice {
                quantity: 3,
                price: 5
            }
        );
        assert_eq!(map.order, Some(0));
        assert_eq!(
            map.describe(),
            "customer=CustomerID, date=InvoiceDate, amount=Quantity x UnitPrice, order=InvoiceNo"
        );
    }

    #[test]
    fn priority_order_and_folding() {
        let h = header(&[
            "Email",
            "Customer ID",
            "Date",
            "Order Total",
            "Amount",
            "Qty",
            "Price",
        ]);
        let map = ColumnMap::resolve(&h, &ColumnFlags::default(), "x.csv").unwrap();
        assert_eq!(map.customer, 1, "customer id beats email");
        assert_eq!(
            map.amount,
            AmountColumns::Amount(4),
            "amount beats order_total and qty x price"
        );
        assert_eq!(map.order, None);
    }

    #[test]
    fn explicit_flags_win_and_fold() {
        let h = header(&["cust", "when", "net", "Customer ID"]);
        let flags = ColumnFlags {
            customer: Some("cust".into()),
            date: Some("WHEN".into()),
            amount: Some("net".into()),
            ..ColumnFlags::default()
        };
        let map = ColumnMap::resolve(&h, &flags, "x.csv").unwrap();
        assert_eq!(
            (map.customer, map.date, map.amount),
            (0, 1, AmountColumns::Amount(2))
        );
    }

    #[test]
    fn quantity_price_flags_skip_amount_detection() {
        let h = header(&["customer", "date", "amount", "q", "p"]);
        let flags = ColumnFlags {
            quantity: Some("q".into()),
            price: Some("p".into()),
            ..ColumnFlags::default()
        };
        let map = ColumnMap::resolve(&h, &flags, "x.csv").unwrap();
        assert_eq!(
            map.amount,
            AmountColumns::QuantityPrice {
                quantity: 3,
                price: 4
            }
        );
    }

    #[test]
    fn missing_and_unknown_columns_name_the_flag_and_the_columns() {
        let h = header(&["customer", "day", "amount"]);
        let err = ColumnMap::resolve(&h, &ColumnFlags::default(), "x.csv").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("order date (--date COL)"), "{msg}");
        assert!(msg.contains("customer, day, amount"), "{msg}");
        // All missing roles in one message.
        let h = header(&["Wer", "Wann", "Wieviel"]);
        let msg = ColumnMap::resolve(&h, &ColumnFlags::default(), "x.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "x.csv: cannot find the columns for: customer id (--customer COL), order date (--date COL), \
             amount (--amount COL, or --quantity COL --price COL); the columns are: Wer, Wann, Wieviel"
        );
        let flags = ColumnFlags {
            customer: Some("client".into()),
            ..ColumnFlags::default()
        };
        let msg = ColumnMap::resolve(&h, &flags, "x.csv")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("--customer") && msg.contains("client"),
            "{msg}"
        );
    }

    #[test]
    fn no_name_serves_two_roles() {
        let roles = [
            CUSTOMER, DATE, AMOUNT, QUANTITY, PRICE, ORDER, STATUS, CURRENCY,
        ];
        let mut seen = std::collections::HashMap::new();
        for (r, names) in roles.iter().enumerate() {
            for name in *names {
                if let Some(other) = seen.insert(fold(name), r) {
                    assert_eq!(other, r, "{name} is in two roles");
                }
            }
        }
    }

    /// (header, customer, date, amount, order).
    type Case<'a> = (&'a [&'a str], usize, usize, AmountColumns, Option<usize>);

    /// Headers as our users' spreadsheets and ERPs write them, one per
    /// language.
    #[test]
    fn headers_in_seven_languages() {
        let cases: [Case; 8] = [
            (
                &["Fattura", "Data", "Cliente", "Importo"],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            (
                &["Nº Factura", "Fecha", "Cliente", "Importe"],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            (
                &["N° facture", "Date", "Client", "Montant TTC"],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            (
                &[
                    "Rechnungsnummer",
                    "Rechnungsdatum",
                    "Kundennummer",
                    "Betrag",
                ],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            (
                &["Număr factură", "Dată", "Client", "Sumă"],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            (
                &["Factura", "Data", "Client", "Import"],
                2,
                1,
                AmountColumns::Amount(3),
                Some(0),
            ),
            // Shopify: Email is the customer, "Created at" the date.
            (
                &["Name", "Email", "Financial Status", "Total", "Created at"],
                1,
                4,
                AmountColumns::Amount(3),
                None,
            ),
            // Stripe: the customer id beats the email; the UTC date.
            (
                &[
                    "id",
                    "Created date (UTC)",
                    "Amount",
                    "Customer ID",
                    "Customer Email",
                ],
                3,
                1,
                AmountColumns::Amount(2),
                None,
            ),
        ];
        for (names, customer, date, amount, order) in cases {
            let map = ColumnMap::resolve(&header(names), &ColumnFlags::default(), "x.csv")
                .unwrap_or_else(|e| panic!("{names:?}: {e}"));
            assert_eq!(
                (map.customer, map.date, map.amount, map.order),
                (customer, date, amount, order),
                "{names:?}"
            );
        }
        // Quantity x price in Italian.
        let map = ColumnMap::resolve(
            &header(&["Cliente", "Data", "Quantità", "Prezzo unitario"]),
            &ColumnFlags::default(),
            "x.csv",
        )
        .unwrap();
        assert_eq!(
            map.amount,
            AmountColumns::QuantityPrice {
                quantity: 2,
                price: 3
            }
        );
    }

    #[test]
    fn two_columns_equally_good_for_a_role_are_named() {
        let h = header(&["Customer ID", "customer_id", "Date", "Amount"]);
        let msg = ColumnMap::resolve(&h, &ColumnFlags::default(), "x.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "x.csv: several columns could be read for --customer: 'Customer ID', 'customer_id'; name one, e.g. --customer COL"
        );
        // A flag settles it.
        let flags = ColumnFlags {
            customer: Some("customer_id".into()),
            ..ColumnFlags::default()
        };
        assert_eq!(ColumnMap::resolve(&h, &flags, "x.csv").unwrap().customer, 1);
    }

    #[test]
    fn statuses_that_are_sales() {
        let rule = StatusRule::default();
        for sale in [
            "paid",
            "Completed",
            "wc-completed",
            "pending",
            "Awaiting cash on delivery validation",
            "partially_refunded",
            "Partially refunded",
            "",
        ] {
            assert!(rule.counts(sale), "{sale}");
        }
        for not_sale in [
            "Cancelled",
            "wc-cancelled",
            "VOIDED",
            "Bestellung storniert",
            "checkout-draft",
            "Payment error",
            "requires_payment_method",
            "Annullato",
            "Cancel·lat",
            "Rimborso",
        ] {
            assert!(!rule.counts(not_sale), "{not_sale}");
        }
        let only = StatusRule::from_lists(Some("Paid, wc-completed"), None);
        assert!(only.counts("paid") && only.counts("Completed") && !only.counts("pending"));
        let but = StatusRule::from_lists(None, Some("pending"));
        assert!(!but.counts("Pending") && but.counts("cancelled"));
    }
}
