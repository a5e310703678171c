//! French stop words, folded (no accents): articles, pronouns, prepositions, conjunctions, the
//! common forms of être, avoir, faire, pouvoir, devoir, falloir, and the filler words of
//! consultation answers ("il faut", "plus", "etc.", "oui", "non").
//!
//! They carry no theme. Words too common in one corpus are also set aside by document frequency
//! (see `vectors`), so this list stays short and general.

use std::collections::HashSet;
use std::sync::OnceLock;

const WORDS: &str = "
a ai aie aient aujourd'hui aies ait al alors as au aucun aucune aupres auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient
avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
bah beaucoup bcp ben bien bon bref
ca ce ceci cela celle celles celui cependant certain certaine certaines certains ces cet cette
ceux chacun chacune chaque chez ci comme comment concernant
dans de des desquelles desquels deja dela depuis deux devant devez devoir devra devrai devraient
devrais devrait devrions devrons devront doit doive doivent donc dont du duquel durant
elle elles en encore entre es est et etaient etais etait etant etc ete etes etiez etions etre eu
eue eues eurent eus eut eux
fai faire fais faisait faisant fait faite faites faits fallait falloir faudra faudrait faut font
fur furent fus fut
grace
hui
ici il ils
je jusqu jusque
la laquelle le lequel les lesquelles lesquels leur leurs lors lorsque lui
ma mais me meme memes mes moi moins mon
ne ni non nos notre nous
on ont onze or ou oui
par parce parfois pas peu peut peuvent peux plupart plus plusieurs pour pourquoi pourra pourrai
pourraient pourrais pourrait pouvoir pouvons pu puis puisque
qu quand que quel quelle quelles quelque quelques quels qui quoi
rien
sa sans se sera serai seraient serais serait seras serez seriez serions serons seront ses si
sien sienne siens soi soient sois soit sommes son sont sous souvent soyez soyons suis sur
ta tant te tel telle telles tels tes toi ton tou tous tout toute toutes tres trop tu
un une unes uns
va vais vers via voila vont vos votre vous vu
y
";

fn set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| WORDS.split_whitespace().collect())
}

/// Whether a folded, lowercase word is a stop word.
pub fn is_stop_word(folded: &str) -> bool {
    set().contains(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_are_stop_words_and_content_words_are_not() {
        for w in ["les", "etre", "faut", "tres", "aujourd'hui", "oui"] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["conge", "parental", "impot", "ecologie", "transport"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }
}
