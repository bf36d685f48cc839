//! Segment names, descriptions and suggested actions in the languages of
//! `--lang`.
//!
//! All texts live in one table, one row per language and one column per
//! built-in entry, so a language cannot lack a text: the array type requires
//! every cell, and the tests below check that each one is filled in, is
//! well formed and really is translated. Only the texts meant for people are
//! translated: column names and segment keys (`cant_lose_them`) never are, so
//! scripts that read the output do not depend on the language.

/// A language of `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, clap::ValueEnum)]
pub(crate) enum Lang {
    /// English.
    #[default]
    En,
    /// Italian.
    It,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
    /// Romanian.
    Ro,
    /// Catalan.
    Ca,
}

/// One segment's texts in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    /// The display name, e.g. `Campioni`.
    pub(crate) name: &'static str,
    /// Who the customers are, one sentence.
    pub(crate) description: &'static str,
    /// What to do with them, one sentence.
    pub(crate) action: &'static str,
}

/// The number of built-in texts per language: the 11 segments in canonical
/// order, then Others.
pub(crate) const TEXTS_PER_LANG: usize = 12;

impl Lang {
    /// All languages, in `--lang` order.
    pub(crate) const ALL: [Lang; 7] = [
        Lang::En,
        Lang::It,
        Lang::Es,
        Lang::Fr,
        Lang::De,
        Lang::Ro,
        Lang::Ca,
    ];

    /// The ISO 639-1 code, e.g. `it`.
    #[cfg(test)]
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::Ro => "ro",
            Lang::Ca => "ca",
        }
    }

    /// The texts of built-in entry `index` (0..11 = segments in canonical
    /// order, 11 = Others).
    ///
    /// # Panics
    ///
    /// If `index` is not below [`TEXTS_PER_LANG`].
    pub(crate) fn text(self, index: usize) -> &'static Text {
        &TEXTS[self as usize][index]
    }
}

/// Shorthand for one cell of [`TEXTS`].
const fn t(name: &'static str, description: &'static str, action: &'static str) -> Text {
    Text {
        name,
        description,
        action,
    }
}

/// The texts, indexed by `Lang as usize`, then by built-in entry.
const TEXTS: [[Text; TEXTS_PER_LANG]; 7] = [
    // English.
    [
        t(
            "Champions",
            "Bought recently, buy often and spend the most.",
            "Reward them; invite them to try new products first and to write reviews.",
        ),
        t(
            "Loyal Customers",
            "Buy regularly and spend well.",
            "Offer higher-value products and a loyalty programme.",
        ),
        t(
            "Potential Loyalist",
            "Recent customers with average frequency and spend.",
            "Offer a membership or loyalty programme and recommend related products.",
        ),
        t(
            "New Customers",
            "Bought very recently, but not often and not much yet.",
            "Welcome them and give them a reason to come back.",
        ),
        t(
            "Promising",
            "Fairly recent buyers who have not spent much yet.",
            "Build awareness of the brand with trials or small incentives.",
        ),
        t(
            "Need Attention",
            "Average recency, frequency and spend, starting to slip.",
            "Send limited-time offers based on what they bought before.",
        ),
        t(
            "About To Sleep",
            "Below-average recency, frequency and spend.",
            "Share popular products and discounts to reconnect before they lapse.",
        ),
        t(
            "At Risk",
            "Used to buy often and spend well, but not for a while.",
            "Win them back with personal messages and relevant offers.",
        ),
        t(
            "Can't Lose Them",
            "Were among the biggest buyers, but have not come back for a long time.",
            "Contact them personally with new products or an offer before a competitor wins them.",
        ),
        t(
            "Hibernating",
            "Last purchase long ago, few orders and low spend.",
            "Offer relevant products and special discounts to recreate interest.",
        ),
        t(
            "Lost",
            "Lowest recency, frequency and spend.",
            "Try one reactivation campaign at most; otherwise spend nothing.",
        ),
        t(
            "Others",
            "Customers no rule of the segment definition matches.",
            "Review the segment definition: these customers get no targeted action.",
        ),
    ],
    // Italian.
    [
        t(
            "Campioni",
            "Hanno acquistato di recente, acquistano spesso e spendono di più.",
            "Premiarli; invitarli a provare per primi i nuovi prodotti e a scrivere recensioni.",
        ),
        t(
            "Clienti fedeli",
            "Acquistano regolarmente e spendono bene.",
            "Proporre prodotti di valore più alto e un programma fedeltà.",
        ),
        t(
            "Potenziali fedeli",
            "Clienti recenti con frequenza e spesa nella media.",
            "Offrire una membership o un programma fedeltà e consigliare prodotti correlati.",
        ),
        t(
            "Nuovi clienti",
            "Hanno acquistato molto di recente, ma non ancora spesso né molto.",
            "Dare loro il benvenuto e un motivo per tornare.",
        ),
        t(
            "Promettenti",
            "Acquirenti abbastanza recenti che non hanno ancora speso molto.",
            "Far conoscere il marchio con prove gratuite o piccoli incentivi.",
        ),
        t(
            "Da seguire",
            "Ultimo acquisto, frequenza e spesa nella media, ma cominciano a calare.",
            "Inviare offerte a tempo limitato basate sui loro acquisti precedenti.",
        ),
        t(
            "Stanno per addormentarsi",
            "Ultimo acquisto meno recente della media, frequenza e spesa sotto la media.",
            "Proporre prodotti popolari e sconti per riallacciare il rapporto prima che si allontanino.",
        ),
        t(
            "A rischio",
            "Acquistavano spesso e spendevano bene, ma non lo fanno da un po' di tempo.",
            "Riconquistarli con messaggi personalizzati e offerte pertinenti.",
        ),
        t(
            "Da non perdere",
            "Erano tra i maggiori acquirenti, ma non tornano da molto tempo.",
            "Contattarli personalmente con nuovi prodotti o un'offerta prima che li conquisti un concorrente.",
        ),
        t(
            "In letargo",
            "Ultimo acquisto molto tempo fa, pochi ordini e spesa bassa.",
            "Proporre prodotti pertinenti e sconti speciali per risvegliare il loro interesse.",
        ),
        t(
            "Persi",
            "Ultimo acquisto più lontano, frequenza e spesa più basse.",
            "Tentare al massimo una campagna di riattivazione; altrimenti non spendere nulla.",
        ),
        t(
            "Altri",
            "Clienti a cui non corrisponde nessuna regola della definizione dei segmenti.",
            "Rivedere la definizione dei segmenti: questi clienti non ricevono alcuna azione mirata.",
        ),
    ],
    // Spanish.
    [
        t(
            "Campeones",
            "Compraron recientemente, compran a menudo y son los que más gastan.",
            "Recompensarlos; invitarlos a probar los productos nuevos antes que nadie y a escribir reseñas.",
        ),
        t(
            "Clientes leales",
            "Compran con regularidad y gastan bien.",
            "Ofrecerles productos de mayor valor y un programa de fidelización.",
        ),
        t(
            "Potencialmente leales",
            "Clientes recientes con una frecuencia y un gasto medios.",
            "Ofrecerles una membresía o un programa de fidelización y recomendarles productos relacionados.",
        ),
        t(
            "Clientes nuevos",
            "Compraron muy recientemente, pero todavía poco y con poca frecuencia.",
            "Darles la bienvenida y un motivo para volver.",
        ),
        t(
            "Prometedores",
            "Compradores bastante recientes que aún no han gastado mucho.",
            "Dar a conocer la marca con pruebas gratuitas o pequeños incentivos.",
        ),
        t(
            "Necesitan atención",
            "Recencia, frecuencia y gasto medios, pero empiezan a decaer.",
            "Enviarles ofertas por tiempo limitado basadas en sus compras anteriores.",
        ),
        t(
            "A punto de dormirse",
            "Recencia, frecuencia y gasto por debajo de la media.",
            "Compartir productos populares y descuentos para reconectar antes de que se alejen.",
        ),
        t(
            "En riesgo",
            "Solían comprar a menudo y gastar bien, pero hace tiempo que no lo hacen.",
            "Recuperarlos con mensajes personalizados y ofertas pertinentes.",
        ),
        t(
            "No podemos perderlos",
            "Estaban entre los mayores compradores, pero hace mucho tiempo que no vuelven.",
            "Contactarlos personalmente con productos nuevos o una oferta antes de que se los lleve la competencia.",
        ),
        t(
            "Hibernando",
            "Última compra hace mucho tiempo, pocos pedidos y gasto bajo.",
            "Ofrecerles productos pertinentes y descuentos especiales para despertar de nuevo su interés.",
        ),
        t(
            "Perdidos",
            "Recencia, frecuencia y gasto más bajos.",
            "Intentar como mucho una campaña de reactivación; si no, no invertir nada.",
        ),
        t(
            "Otros",
            "Clientes a los que no se aplica ninguna regla de la definición de segmentos.",
            "Revisar la definición de segmentos: estos clientes no reciben ninguna acción específica.",
        ),
    ],
    // French.
    [
        t(
            "Champions",
            "Ont acheté récemment, achètent souvent et dépensent le plus.",
            "Les récompenser, les inviter à essayer les nouveaux produits en avant-première et à rédiger des avis.",
        ),
        t(
            "Clients fidèles",
            "Achètent régulièrement et dépensent bien.",
            "Proposer des produits à plus forte valeur et un programme de fidélité.",
        ),
        t(
            "Fidèles potentiels",
            "Clients récents avec une fréquence et des dépenses moyennes.",
            "Proposer une adhésion ou un programme de fidélité et recommander des produits associés.",
        ),
        t(
            "Nouveaux clients",
            "Ont acheté très récemment, mais encore peu souvent et peu.",
            "Les accueillir et leur donner une raison de revenir.",
        ),
        t(
            "Prometteurs",
            "Acheteurs assez récents qui n'ont pas encore beaucoup dépensé.",
            "Faire connaître la marque avec des essais gratuits ou de petites incitations.",
        ),
        t(
            "À surveiller",
            "Récence, fréquence et dépenses moyennes, qui commencent à fléchir.",
            "Envoyer des offres à durée limitée fondées sur leurs achats précédents.",
        ),
        t(
            "Sur le point de s'endormir",
            "Récence, fréquence et dépenses inférieures à la moyenne.",
            "Mettre en avant des produits populaires et des remises pour renouer le contact avant qu'ils ne s'éloignent.",
        ),
        t(
            "À risque",
            "Achetaient souvent et dépensaient bien, mais plus depuis un moment.",
            "Les reconquérir avec des messages personnalisés et des offres pertinentes.",
        ),
        t(
            "À ne pas perdre",
            "Comptaient parmi les plus gros acheteurs, mais ne sont pas revenus depuis longtemps.",
            "Les contacter personnellement avec de nouveaux produits ou une offre avant qu'un concurrent ne les séduise.",
        ),
        t(
            "En hibernation",
            "Dernier achat lointain, peu de commandes et faibles dépenses.",
            "Proposer des produits pertinents et des remises spéciales pour raviver leur intérêt.",
        ),
        t(
            "Perdus",
            "Récence, fréquence et dépenses les plus faibles.",
            "Tenter au plus une campagne de réactivation, sinon ne rien dépenser.",
        ),
        t(
            "Autres",
            "Clients auxquels aucune règle de la définition des segments ne correspond.",
            "Revoir la définition des segments, car ces clients ne reçoivent aucune action ciblée.",
        ),
    ],
    // German.
    [
        t(
            "Champions",
            "Haben kürzlich gekauft, kaufen oft und geben am meisten aus.",
            "Belohnen Sie sie; laden Sie sie ein, neue Produkte als Erste zu testen und Bewertungen zu schreiben.",
        ),
        t(
            "Treue Kunden",
            "Kaufen regelmäßig und geben gut Geld aus.",
            "Bieten Sie höherwertige Produkte und ein Treueprogramm an.",
        ),
        t(
            "Potenziell treue Kunden",
            "Kürzlich aktive Kunden mit durchschnittlicher Kaufhäufigkeit und durchschnittlichen Ausgaben.",
            "Bieten Sie eine Mitgliedschaft oder ein Treueprogramm an und empfehlen Sie passende Produkte.",
        ),
        t(
            "Neukunden",
            "Haben erst vor Kurzem gekauft, aber noch nicht oft und nicht viel.",
            "Heißen Sie sie willkommen und geben Sie ihnen einen Grund wiederzukommen.",
        ),
        t(
            "Vielversprechend",
            "Haben vor nicht allzu langer Zeit gekauft, aber noch nicht viel ausgegeben.",
            "Steigern Sie die Markenbekanntheit mit Testangeboten oder kleinen Anreizen.",
        ),
        t(
            "Brauchen Aufmerksamkeit",
            "Durchschnittliche Aktualität, Kaufhäufigkeit und Ausgaben, mit nachlassender Tendenz.",
            "Senden Sie zeitlich begrenzte Angebote, die auf ihren bisherigen Käufen basieren.",
        ),
        t(
            "Kurz vor dem Einschlafen",
            "Aktualität, Kaufhäufigkeit und Ausgaben unter dem Durchschnitt.",
            "Zeigen Sie beliebte Produkte und Rabatte, um den Kontakt wiederherzustellen, bevor sie abwandern.",
        ),
        t(
            "Gefährdet",
            "Kauften früher oft und gaben gut Geld aus, aber seit einer Weile nicht mehr.",
            "Gewinnen Sie sie mit persönlichen Nachrichten und passenden Angeboten zurück.",
        ),
        t(
            "Nicht verlieren",
            "Gehörten zu den größten Käufern, sind aber seit Langem nicht mehr zurückgekommen.",
            "Kontaktieren Sie sie persönlich mit neuen Produkten oder einem Angebot, bevor ein Wettbewerber sie gewinnt.",
        ),
        t(
            "Im Winterschlaf",
            "Letzter Kauf liegt lange zurück, wenige Bestellungen und geringe Ausgaben.",
            "Bieten Sie passende Produkte und Sonderrabatte an, um das Interesse neu zu wecken.",
        ),
        t(
            "Verloren",
            "Niedrigste Aktualität, Kaufhäufigkeit und Ausgaben.",
            "Versuchen Sie höchstens eine Reaktivierungskampagne; investieren Sie sonst nichts.",
        ),
        t(
            "Sonstige",
            "Kunden, auf die keine Regel der Segmentdefinition zutrifft.",
            "Überprüfen Sie die Segmentdefinition: Diese Kunden erhalten keine gezielte Maßnahme.",
        ),
    ],
    // Romanian.
    [
        t(
            "Campioni",
            "Au cumpărat recent, cumpără des și cheltuiesc cel mai mult.",
            "Recompensați-i; invitați-i să încerce primii produsele noi și să scrie recenzii.",
        ),
        t(
            "Clienți fideli",
            "Cumpără regulat și cheltuiesc sume bune.",
            "Oferiți-le produse de valoare mai mare și un program de fidelitate.",
        ),
        t(
            "Potențial fideli",
            "Clienți recenți cu frecvență și cheltuieli medii.",
            "Oferiți-le un abonament sau un program de fidelitate și recomandați-le produse conexe.",
        ),
        t(
            "Clienți noi",
            "Au cumpărat foarte recent, dar încă nu des și nu mult.",
            "Urați-le bun venit și dați-le un motiv să revină.",
        ),
        t(
            "Promițători",
            "Cumpărători destul de recenți care nu au cheltuit încă mult.",
            "Creșteți notorietatea mărcii prin oferte de probă sau stimulente mici.",
        ),
        t(
            "Necesită atenție",
            "Ultima achiziție, frecvența și cheltuielile sunt medii, dar încep să scadă.",
            "Trimiteți oferte limitate în timp, pe baza achizițiilor lor anterioare.",
        ),
        t(
            "Pe cale să adoarmă",
            "Ultima achiziție mai veche decât media, frecvență și cheltuieli sub medie.",
            "Prezentați produse populare și reduceri pentru a restabili legătura înainte să se îndepărteze.",
        ),
        t(
            "În pericol",
            "Cumpărau des și cheltuiau bine, dar nu au mai cumpărat de ceva vreme.",
            "Recâștigați-i cu mesaje personalizate și oferte relevante.",
        ),
        t(
            "Nu îi putem pierde",
            "Erau printre cei mai mari cumpărători, dar nu au mai revenit de mult timp.",
            "Contactați-i personal cu produse noi sau cu o ofertă înainte să-i câștige un concurent.",
        ),
        t(
            "În hibernare",
            "Ultima achiziție a fost demult, puține comenzi și cheltuieli mici.",
            "Oferiți-le produse relevante și reduceri speciale pentru a le trezi din nou interesul.",
        ),
        t(
            "Pierduți",
            "Ultima achiziție cea mai veche, frecvența și cheltuielile cele mai mici.",
            "Încercați cel mult o campanie de reactivare; altfel nu cheltuiți nimic.",
        ),
        t(
            "Alții",
            "Clienți cărora nu li se aplică nicio regulă din definiția segmentelor.",
            "Revizuiți definiția segmentelor: acești clienți nu primesc nicio acțiune țintită.",
        ),
    ],
    // Catalan.
    [
        t(
            "Campions",
            "Han comprat recentment, compren sovint i són els que més gasten.",
            "Recompensar-los; convidar-los a provar els productes nous abans que ningú i a escriure ressenyes.",
        ),
        t(
            "Clients fidels",
            "Compren amb regularitat i gasten bé.",
            "Oferir-los productes de més valor i un programa de fidelització.",
        ),
        t(
            "Potencialment fidels",
            "Clients recents amb una freqüència i una despesa mitjanes.",
            "Oferir-los una subscripció o un programa de fidelització i recomanar-los productes relacionats.",
        ),
        t(
            "Clients nous",
            "Han comprat molt recentment, però encara poc i amb poca freqüència.",
            "Donar-los la benvinguda i un motiu per tornar.",
        ),
        t(
            "Prometedors",
            "Compradors força recents que encara no han gastat gaire.",
            "Donar a conèixer la marca amb proves gratuïtes o petits incentius.",
        ),
        t(
            "Necessiten atenció",
            "Recència, freqüència i despesa mitjanes, però comencen a decaure.",
            "Enviar-los ofertes per temps limitat basades en les seves compres anteriors.",
        ),
        t(
            "A punt d'adormir-se",
            "Recència, freqüència i despesa per sota de la mitjana.",
            "Compartir productes populars i descomptes per reconnectar abans que s'allunyin.",
        ),
        t(
            "En risc",
            "Abans compraven sovint i gastaven bé, però fa temps que no ho fan.",
            "Recuperar-los amb missatges personalitzats i ofertes pertinents.",
        ),
        t(
            "No els podem perdre",
            "Eren dels compradors més importants, però fa molt de temps que no tornen.",
            "Contactar-los personalment amb productes nous o una oferta abans que se'ls endugui la competència.",
        ),
        t(
            "En hibernació",
            "Última compra fa molt de temps, poques comandes i despesa baixa.",
            "Oferir-los productes pertinents i descomptes especials per tornar a despertar-ne l'interès.",
        ),
        t(
            "Perduts",
            "Recència, freqüència i despesa més baixes.",
            "Provar, com a molt, una campanya de reactivació; si no, no invertir-hi res.",
        ),
        t(
            "Altres",
            "Clients als quals no s'aplica cap regla de la definició de segments.",
            "Revisar la definició de segments: aquests clients no reben cap acció específica.",
        ),
    ],
];

/// A word after a count, by the plural forms the languages need: `one`
/// (1), `few` (Romanian only: 0, 2-19 and 101-119...: `zile`) and `other`
/// (Romanian 20 and more: `de zile`; for the other languages `few` and
/// `other` are the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plural {
    /// After 1 (French: 0 and 1).
    pub(crate) one: &'static str,
    /// Romanian: after 0 and when n mod 100 is 1 to 19 (n not 1).
    pub(crate) few: &'static str,
    /// Every other count.
    pub(crate) other: &'static str,
}

/// The texts of the `reason` column (`--reasons`, src/score/reasons.rs)
/// in one language. `{}` is the one inserted piece; `more_orders` takes
/// `{n}` (the count) and `{u}` (the plural word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReasonText {
    /// Days after a count (`23 days`).
    pub(crate) days: Plural,
    /// `{}` = `23 days`: `23 days since the last purchase`.
    pub(crate) since_last: &'static str,
    /// Purchases after a count (`12 purchases`).
    pub(crate) purchases: Plural,
    /// `{}` = an amount: `180.50 spent`.
    pub(crate) spent: &'static str,
    /// `{}` = a range: `band 15-29 days`.
    pub(crate) band: &'static str,
    /// `{}` = a value: a band of one value.
    pub(crate) exactly: &'static str,
    /// `{}` = a value: a band open above.
    pub(crate) at_least: &'static str,
    /// `{}` = a value: a band open below.
    pub(crate) up_to: &'static str,
    /// A band open at both ends.
    pub(crate) any_value: &'static str,
    /// `{}` = the values an `ntile` group holds.
    pub(crate) group: &'static str,
    /// `cell 344`.
    pub(crate) cell: &'static str,
    /// `rule 18`.
    pub(crate) rule: &'static str,
    /// `line 12` (of a definition file).
    pub(crate) line: &'static str,
    /// The customer fell to Others.
    pub(crate) no_rule: &'static str,
    /// A rule that restricts no score.
    pub(crate) any_scores: &'static str,
    /// `{}` = a segment name: `to reach Champions`.
    pub(crate) to_reach: &'static str,
    /// Exactly one more order.
    pub(crate) one_more_order: &'static str,
    /// `{n}` = a count, `{u}` = [`ReasonText::orders`]: `2 more orders`.
    pub(crate) more_orders: &'static str,
    /// Orders after a count, in `more_orders`.
    pub(crate) orders: Plural,
    /// `{}` = an amount: `30.00 more spent`.
    pub(crate) more_spent: &'static str,
    /// `{}` = `14 days` (with [`ReasonText::within`]).
    pub(crate) purchase_within: &'static str,
    /// Days after a count in `purchase_within` (German: dative, `Tagen`).
    pub(crate) within: Plural,
    /// Joins the last two parts of a change.
    pub(crate) and: &'static str,
}

impl Lang {
    /// The texts of the `reason` column.
    pub(crate) fn reasons(self) -> &'static ReasonText {
        &REASON_TEXTS[self as usize]
    }

    /// The form of `word` after the count `n`.
    pub(crate) fn plural(self, n: i64, word: &Plural) -> &'static str {
        let n = n.unsigned_abs();
        match self {
            Lang::Ro if n == 1 => word.one,
            Lang::Ro if n == 0 || (1..=19).contains(&(n % 100)) => word.few,
            Lang::Ro => word.other,
            Lang::Fr if n <= 1 => word.one,
            _ if n == 1 => word.one,
            _ => word.other,
        }
    }
}

/// Shorthand for a [`Plural`] with the same `few` and `other`.
const fn p(one: &'static str, other: &'static str) -> Plural {
    Plural {
        one,
        few: other,
        other,
    }
}

/// The texts of the `reason` column, indexed by `Lang as usize`.
const REASON_TEXTS: [ReasonText; 7] = [
    // English.
    ReasonText {
        days: p("day", "days"),
        since_last: "{} since the last purchase",
        purchases: p("purchase", "purchases"),
        spent: "{} spent",
        band: "band {}",
        exactly: "exactly {}",
        at_least: "at least {}",
        up_to: "up to {}",
        any_value: "any value",
        group: "ntile group of {}",
        cell: "cell",
        rule: "rule",
        line: "line",
        no_rule: "no rule matches",
        any_scores: "any scores",
        to_reach: "to reach {}",
        one_more_order: "one more order",
        more_orders: "{n} more {u}",
        orders: p("order", "orders"),
        more_spent: "{} more spent",
        purchase_within: "a purchase within {}",
        within: p("day", "days"),
        and: "and",
    },
    // Italian.
    ReasonText {
        days: p("giorno", "giorni"),
        since_last: "{} dall'ultimo acquisto",
        purchases: p("acquisto", "acquisti"),
        spent: "{} spesi",
        band: "fascia {}",
        exactly: "esattamente {}",
        at_least: "almeno {}",
        up_to: "fino a {}",
        any_value: "qualsiasi valore",
        group: "gruppo ntile di {}",
        cell: "cella",
        rule: "regola",
        line: "riga",
        no_rule: "nessuna regola corrisponde",
        any_scores: "qualsiasi punteggio",
        to_reach: "per passare a {}",
        one_more_order: "un ordine in più",
        more_orders: "{n} {u} in più",
        orders: p("ordine", "ordini"),
        more_spent: "{} di spesa in più",
        purchase_within: "un acquisto entro {}",
        within: p("giorno", "giorni"),
        and: "e",
    },
    // Spanish.
    ReasonText {
        days: p("día", "días"),
        since_last: "{} desde la última compra",
        purchases: p("compra", "compras"),
        spent: "{} gastados",
        band: "franja {}",
        exactly: "exactamente {}",
        at_least: "al menos {}",
        up_to: "hasta {}",
        any_value: "cualquier valor",
        group: "grupo ntile de {}",
        cell: "celda",
        rule: "regla",
        line: "línea",
        no_rule: "ninguna regla coincide",
        any_scores: "cualquier puntuación",
        to_reach: "para pasar a {}",
        one_more_order: "un pedido más",
        more_orders: "{n} {u} más",
        orders: p("pedido", "pedidos"),
        more_spent: "{} más de gasto",
        purchase_within: "una compra en un plazo de {}",
        within: p("día", "días"),
        and: "y",
    },
    // French.
    ReasonText {
        days: p("jour", "jours"),
        since_last: "{} depuis le dernier achat",
        purchases: p("achat", "achats"),
        spent: "{} dépensés",
        band: "tranche {}",
        exactly: "exactement {}",
        at_least: "au moins {}",
        up_to: "jusqu'à {}",
        any_value: "toute valeur",
        group: "groupe ntile de {}",
        cell: "cellule",
        rule: "règle",
        line: "ligne",
        no_rule: "aucune règle ne correspond",
        any_scores: "tout score",
        to_reach: "pour atteindre {}",
        one_more_order: "une commande de plus",
        more_orders: "{n} {u} de plus",
        orders: p("commande", "commandes"),
        more_spent: "{} de dépenses en plus",
        purchase_within: "un achat sous {}",
        within: p("jour", "jours"),
        and: "et",
    },
    // German.
    ReasonText {
        days: p("Tag", "Tage"),
        since_last: "{} seit dem letzten Kauf",
        purchases: p("Kauf", "Käufe"),
        spent: "{} ausgegeben",
        band: "Bereich {}",
        exactly: "genau {}",
        at_least: "mindestens {}",
        up_to: "bis {}",
        any_value: "beliebiger Wert",
        group: "ntile-Gruppe mit {}",
        cell: "Zelle",
        rule: "Regel",
        line: "Zeile",
        no_rule: "keine Regel trifft zu",
        any_scores: "beliebige Werte",
        to_reach: "um {} zu erreichen",
        one_more_order: "eine Bestellung mehr",
        more_orders: "{n} {u} mehr",
        orders: p("Bestellung", "Bestellungen"),
        more_spent: "{} mehr Umsatz",
        purchase_within: "ein Kauf innerhalb von {}",
        within: p("Tag", "Tagen"),
        and: "und",
    },
    // Romanian.
    ReasonText {
        days: Plural {
            one: "zi",
            few: "zile",
            other: "de zile",
        },
        since_last: "{} de la ultima achiziție",
        purchases: Plural {
            one: "achiziție",
            few: "achiziții",
            other: "de achiziții",
        },
        spent: "{} cheltuiți",
        band: "interval {}",
        exactly: "exact {}",
        at_least: "cel puțin {}",
        up_to: "până la {}",
        any_value: "orice valoare",
        group: "grup ntile cu {}",
        cell: "celula",
        rule: "regula",
        line: "linia",
        no_rule: "nicio regulă nu se aplică",
        any_scores: "orice scor",
        to_reach: "pentru a trece la {}",
        one_more_order: "încă o comandă",
        more_orders: "încă {n} {u}",
        orders: Plural {
            one: "comandă",
            few: "comenzi",
            other: "de comenzi",
        },
        more_spent: "încă {} cheltuiți",
        purchase_within: "o achiziție în cel mult {}",
        within: Plural {
            one: "zi",
            few: "zile",
            other: "de zile",
        },
        and: "și",
    },
    // Catalan.
    ReasonText {
        days: p("dia", "dies"),
        since_last: "{} des de l'última compra",
        purchases: p("compra", "compres"),
        spent: "{} gastats",
        band: "franja {}",
        exactly: "exactament {}",
        at_least: "com a mínim {}",
        up_to: "fins a {}",
        any_value: "qualsevol valor",
        group: "grup ntile de {}",
        cell: "cel·la",
        rule: "regla",
        line: "línia",
        no_rule: "cap regla no coincideix",
        any_scores: "qualsevol puntuació",
        to_reach: "per passar a {}",
        one_more_order: "una comanda més",
        more_orders: "{n} {u} més",
        orders: p("comanda", "comandes"),
        more_spent: "{} més de despesa",
        purchase_within: "una compra en un termini de {}",
        within: p("dia", "dies"),
        and: "i",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::segment::Segment;
    use clap::ValueEnum;
    use std::collections::HashSet;

    /// Every (language, index, text) of the table, through the public API.
    fn all_texts() -> impl Iterator<Item = (Lang, usize, &'static Text)> {
        Lang::ALL
            .into_iter()
            .flat_map(|lang| (0..TEXTS_PER_LANG).map(move |i| (lang, i, lang.text(i))))
    }

    fn starts_uppercase(s: &str) -> bool {
        s.chars().next().is_some_and(char::is_uppercase)
    }

    #[test]
    fn every_text_is_filled_in_and_well_formed() {
        for (lang, i, text) in all_texts() {
            for (field, value) in [
                ("name", text.name),
                ("description", text.description),
                ("action", text.action),
            ] {
                assert!(!value.trim().is_empty(), "{lang:?}[{i}].{field} is empty");
                assert_eq!(
                    value,
                    value.trim(),
                    "{lang:?}[{i}].{field} has outer spaces"
                );
                assert!(
                    starts_uppercase(value),
                    "{lang:?}[{i}].{field} does not start uppercase: {value:?}"
                );
                assert!(
                    !value.to_uppercase().contains("TODO"),
                    "{lang:?}[{i}].{field} contains TODO: {value:?}"
                );
                assert!(
                    !value.contains("  "),
                    "{lang:?}[{i}].{field} has a double space: {value:?}"
                );
            }
            assert!(
                !text.name.ends_with('.'),
                "{lang:?}[{i}].name ends with '.': {:?}",
                text.name
            );
            for (field, value) in [("description", text.description), ("action", text.action)] {
                assert!(
                    value.ends_with('.'),
                    "{lang:?}[{i}].{field} does not end with '.': {value:?}"
                );
            }
        }
    }

    #[test]
    fn names_are_unique_within_each_language() {
        for lang in Lang::ALL {
            let mut seen = HashSet::new();
            for i in 0..TEXTS_PER_LANG {
                let name = lang.text(i).name;
                assert!(seen.insert(name), "{lang:?}: duplicate name {name:?}");
            }
        }
    }

    #[test]
    fn english_names_match_the_segments_in_canonical_order() {
        assert_eq!(Segment::ALL.len() + 1, TEXTS_PER_LANG);
        for (i, segment) in Segment::ALL.into_iter().enumerate() {
            assert_eq!(Lang::En.text(i).name, segment.name(), "entry {i}");
        }
        assert_eq!(Lang::En.text(TEXTS_PER_LANG - 1).name, "Others");
    }

    #[test]
    fn italian_names() {
        assert_eq!(Lang::It.text(0).name, "Campioni");
        let names: Vec<_> = (0..TEXTS_PER_LANG).map(|i| Lang::It.text(i).name).collect();
        assert_eq!(
            names,
            [
                "Campioni",
                "Clienti fedeli",
                "Potenziali fedeli",
                "Nuovi clienti",
                "Promettenti",
                "Da seguire",
                "Stanno per addormentarsi",
                "A rischio",
                "Da non perdere",
                "In letargo",
                "Persi",
                "Altri",
            ]
        );
    }

    #[test]
    fn codes_match_the_clap_value_names() {
        let codes: Vec<_> = Lang::ALL.into_iter().map(Lang::code).collect();
        assert_eq!(codes, ["en", "it", "es", "fr", "de", "ro", "ca"]);
        assert_eq!(Lang::value_variants(), &Lang::ALL[..]);
        for lang in Lang::ALL {
            let value = lang.to_possible_value().expect("no language is skipped");
            assert_eq!(value.get_name(), lang.code());
            assert_eq!(Lang::from_str(lang.code(), false), Ok(lang));
        }
        assert_eq!(Lang::default(), Lang::En);
    }

    #[test]
    fn all_is_in_table_order() {
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(lang as usize, i, "{lang:?}");
        }
    }

    #[test]
    fn other_languages_are_translated() {
        // Whole words that are English but not a word of any other language.
        const ENGLISH_WORDS: [&str; 8] = [
            "the",
            "and",
            "with",
            "they",
            "them",
            "buy",
            "spend",
            "customers",
        ];
        for lang in Lang::ALL.into_iter().filter(|&lang| lang != Lang::En) {
            for i in 0..TEXTS_PER_LANG {
                let (text, en) = (lang.text(i), Lang::En.text(i));
                assert_ne!(text.description, en.description, "{lang:?}[{i}]");
                assert_ne!(text.action, en.action, "{lang:?}[{i}]");
                for value in [text.name, text.description, text.action] {
                    let leftover = value
                        .split(|c: char| !c.is_alphabetic())
                        .find(|word| ENGLISH_WORDS.contains(&word.to_lowercase().as_str()));
                    assert_eq!(leftover, None, "{lang:?}[{i}]: English in {value:?}");
                }
            }
        }
    }

    #[test]
    fn romanian_uses_comma_below_letters() {
        // S and T with cedilla (U+015E, U+015F, U+0162, U+0163) are the
        // common misspelling of Romanian Ș, ș, Ț, ț.
        for (lang, i, text) in all_texts() {
            for value in [text.name, text.description, text.action] {
                assert!(
                    !value.contains(['Ş', 'ş', 'Ţ', 'ţ']),
                    "{lang:?}[{i}]: cedilla instead of comma below in {value:?}"
                );
            }
        }
    }
}
