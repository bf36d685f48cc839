//! Folding words for comparison: header names (`Número de pedido`,
//! `numero_de_pedido`) and month names in dates (`März`, `marz`) compare
//! alike once case, accents and punctuation are gone.

/// Folds a name for comparison: lower case, accents removed, and
/// only letters and digits kept (`Créé le` and `cree_le` fold alike,
/// `Created date (UTC)` to `createddateutc`).
pub(crate) fn fold(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                return Some(c);
            }
            let plain = match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ă' => 'a',
                'ç' | 'č' | 'ć' => 'c',
                'è' | 'é' | 'ê' | 'ë' | 'ě' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' | 'ń' => 'n',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ș' | 'ş' | 'š' | 'ß' => 's',
                'ț' | 'ţ' => 't',
                'ý' | 'ÿ' => 'y',
                'ž' => 'z',
                // The ordinal marks of `Nº`, `Nª` (letters to Unicode).
                'º' | 'ª' => return None,
                c if c.is_alphanumeric() => c,
                _ => return None,
            };
            Some(plain)
        })
        .collect()
}
