//! Demo participation for `ecoute demo`: people from several Cafs who posted ideas, commented,
//! liked and answered the survey, so a first look at the spaces, the consoles, the analysis and
//! the results shows what they are for. The texts are ours, written for the demo.
//!
//! Seeded once per campaign (a campaign that already has ideas is left alone), with a fixed
//! random seed: two demos look the same. Rows are written as the owner inside each campaign's
//! tenant context, each with the space it came from, so RLS, counters and metering see them as
//! they see real contributions.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::PgPool;
use uuid::Uuid;

/// (kind, theme index in the campaign's themes, title, body)
type DemoIdea = (&'static str, usize, &'static str, &'static str);

/// Ideas for "Simplifier vos démarches en ligne" (themes: démarches en ligne, application,
/// justificatifs).
const DEMARCHES: &[DemoIdea] = &[
    (
        "idee",
        0,
        "Enregistrer un formulaire à moitié rempli",
        "Quand je fais ma déclaration trimestrielle, il me manque souvent un chiffre. J’aimerais pouvoir enregistrer et reprendre plus tard sans tout recommencer.",
    ),
    (
        "attente",
        0,
        "Savoir où en est mon dossier",
        "Après avoir envoyé un changement de situation, je ne sais pas si c’est pris en compte. Un suivi étape par étape, comme pour un colis, éviterait beaucoup d’appels.",
    ),
    (
        "experience",
        0,
        "Trois fois la même information",
        "Pour déclarer la naissance de ma fille, j’ai dû saisir les mêmes informations sur trois pages différentes. On se décourage vite.",
    ),
    (
        "idee",
        1,
        "Un rappel avant la déclaration trimestrielle",
        "Une notification sur l’application quelques jours avant l’échéance de la déclaration trimestrielle. J’ai déjà eu un retard de versement pour un oubli.",
    ),
    (
        "idee",
        2,
        "Photographier un justificatif avec le téléphone",
        "Pouvoir prendre en photo un justificatif directement depuis l’application, avec un cadrage automatique, plutôt que de scanner chez quelqu’un.",
    ),
    (
        "experience",
        2,
        "Justificatif refusé sans explication",
        "Mon avis d’imposition a été refusé deux fois. Personne ne m’a dit pourquoi : le fichier était lisible. Il faudrait dire ce qui ne va pas.",
    ),
    (
        "attente",
        0,
        "Des mots simples dans les formulaires",
        "Certains termes comme « ressources de référence » ou « période de neutralisation » sont incompréhensibles. Une phrase d’explication à côté suffirait.",
    ),
    (
        "idee",
        1,
        "Se connecter avec FranceConnect sur l’application",
        "Je n’arrive jamais à retenir mon code. FranceConnect sur l’application mobile comme sur le site, ce serait plus simple.",
    ),
    (
        "experience",
        1,
        "L’application m’a fait gagner du temps",
        "Depuis que j’utilise l’application, je fais ma déclaration en deux minutes dans le bus. Bravo pour cette partie-là.",
    ),
    (
        "attente",
        2,
        "Une liste claire des pièces à fournir",
        "Avant de commencer une demande d’aide au logement, je voudrais voir la liste complète des justificatifs, pour les préparer à l’avance.",
    ),
    (
        "idee",
        0,
        "Un simulateur qui reprend mes données",
        "Le simulateur me redemande tout alors que la Caf connaît déjà ma situation. Il pourrait partir de mon dossier.",
    ),
    (
        "experience",
        0,
        "Bloquée par un message d’erreur",
        "Le site affichait « erreur technique » à chaque validation. J’ai dû aller à l’accueil avec mes enfants pour une démarche de cinq minutes.",
    ),
    (
        "idee",
        2,
        "Envoyer plusieurs pages d’un coup",
        "Pour un bail de douze pages, il faut envoyer chaque page séparément. Un seul envoi avec plusieurs fichiers serait un vrai progrès.",
    ),
    (
        "attente",
        1,
        "Une application accessible aux malvoyants",
        "Avec le lecteur d’écran, plusieurs boutons de l’application ne sont pas annoncés. Je dois demander de l’aide à mon fils.",
    ),
    (
        "idee",
        0,
        "Un numéro de dossier dans chaque courrier",
        "Mettre la référence de la démarche dans chaque courrier et chaque message, pour pouvoir en parler facilement au téléphone.",
    ),
    (
        "experience",
        2,
        "Justificatif demandé alors qu’il était déjà envoyé",
        "On m’a redemandé une attestation de scolarité envoyée le mois précédent. Il faudrait voir ce qui est déjà dans le dossier.",
    ),
    (
        "idee",
        1,
        "Voir mes prochains paiements",
        "Un calendrier dans l’application avec les dates et montants prévus des prochains versements, pour organiser le budget du mois.",
    ),
    (
        "attente",
        0,
        "Pouvoir corriger une erreur de saisie",
        "J’ai fait une faute de frappe dans mes revenus et je n’ai pas pu la corriger en ligne. Un bouton « modifier ma déclaration » manque.",
    ),
    (
        "experience",
        0,
        "Une démarche simple, enfin",
        "Le changement d’adresse s’est fait en quelques clics, avec une confirmation par courriel. C’est comme ça que tout devrait marcher.",
    ),
    (
        "idee",
        2,
        "Accepter les justificatifs en PDF depuis la messagerie",
        "Beaucoup de documents arrivent par courriel. Pouvoir les transférer directement à la Caf éviterait de les télécharger puis de les renvoyer.",
    ),
    (
        "attente",
        0,
        "Un accompagnement pour ceux qui ne sont pas à l’aise",
        "Ma mère n’a pas d’ordinateur. Il faut garder une solution humaine, par téléphone ou en agence, pour faire les démarches avec quelqu’un.",
    ),
    (
        "idee",
        0,
        "Des délais affichés pour chaque démarche",
        "Indiquer combien de temps prend le traitement d’une demande, et prévenir quand c’est plus long que prévu.",
    ),
];

/// Ideas for "Notre accueil à Bordeaux et dans les points relais" (themes: accueil, rendez-vous,
/// points relais).
const ACCUEIL: &[DemoIdea] = &[
    (
        "idee",
        1,
        "Des rendez-vous le samedi matin",
        "Je travaille en semaine aux mêmes heures que l’agence. Quelques rendez-vous le samedi matin m’éviteraient de poser une journée.",
    ),
    (
        "experience",
        0,
        "Une heure d’attente debout",
        "À l’accueil de Bordeaux, j’ai attendu une heure debout avec une poussette. Quelques chaises de plus et un ticket avec l’heure estimée aideraient.",
    ),
    (
        "idee",
        2,
        "Un point relais dans chaque maison France services",
        "Dans ma commune, la maison France services est à dix minutes à pied alors que l’agence est à une heure de bus.",
    ),
    (
        "attente",
        1,
        "Un rappel SMS la veille du rendez-vous",
        "Un message la veille avec l’heure, l’adresse et les papiers à apporter, pour ne rien oublier.",
    ),
    (
        "experience",
        0,
        "Un agent très patient",
        "L’agent qui m’a reçue a pris le temps de tout m’expliquer, même ce que je n’avais pas demandé. Merci à lui.",
    ),
    (
        "idee",
        0,
        "Un espace pour les enfants",
        "Un petit coin avec des livres et des jeux pour que les enfants patientent pendant le rendez-vous.",
    ),
    (
        "attente",
        2,
        "Des horaires affichés et respectés",
        "Le point relais était fermé alors que les horaires sur internet disaient le contraire. Il faut des horaires à jour.",
    ),
    (
        "idee",
        1,
        "Prendre rendez-vous sans se connecter",
        "Pouvoir réserver un créneau avec seulement mon numéro d’allocataire, sans passer par l’espace personnel.",
    ),
];

/// Replies, posted on the most liked ideas.
const COMMENTS: &[&str] = &[
    "Tout à fait d’accord, c’est exactement ce qui m’est arrivé le mois dernier.",
    "Bonne idée, et il faudrait que ce soit pareil sur le site et sur l’application.",
    "Même chose pour moi. J’ai fini par appeler, quarante minutes d’attente.",
    "Je soutiens. Pour les personnes qui travaillent, ça changerait tout.",
    "C’est déjà possible pour certaines démarches, mais personne ne le sait. Il faudrait mieux l’expliquer.",
    "Attention à garder aussi une solution pour ceux qui n’ont pas de smartphone.",
    "Oui, et un accusé de réception avec la date, pour pouvoir le prouver en cas de problème.",
    "Je ne savais pas que d’autres avaient ce souci. Merci d’en parler.",
    "Très bonne remarque, surtout pour les familles nombreuses qui ont beaucoup de papiers.",
    "Ce serait utile aussi pour les étudiants qui changent souvent d’adresse.",
    "J’ajouterais : un conseiller joignable par message, pas seulement par téléphone.",
    "Pareil à Carcassonne, ce n’est pas seulement à Bordeaux.",
];

/// Free-text answers to the survey's two text questions.
const ONE_WORD: &[&str] = &[
    "Longue",
    "Simple",
    "Compliquée",
    "Rapide",
    "Stressante",
    "Correcte",
    "Interminable",
    "Facile",
];
const DIFFICULTIES: &[&str] = &[
    "Je n’ai pas trouvé où déclarer mon nouveau travail. Un moteur de recherche dans le site m’aurait aidée.",
    "Le justificatif de domicile a été refusé car trop ancien, mais rien ne l’indiquait avant l’envoi.",
    "Je devais déclarer des revenus à zéro et le formulaire refusait le zéro. J’ai dû appeler.",
    "L’application s’est déconnectée au milieu de la déclaration. Tout était perdu.",
    "Difficile de comprendre pourquoi mon aide au logement avait baissé. Une explication du calcul aurait suffi.",
    "Il m’a fallu trois semaines pour avoir un rendez-vous. Un rappel téléphonique aurait été plus rapide.",
    "Les courriers arrivent dans l’espace personnel sans notification, je les ai vus trop tard.",
    "Impossible de joindre plusieurs fichiers, j’ai dû recommencer cinq fois.",
];

/// First names for the demo people's pseudonyms.
const NAMES: &[&str] = &[
    "Camille", "Nadia", "Julien", "Sophie", "Karim", "Léa", "Thomas", "Inès", "Marc", "Aurélie", "Yanis", "Chloé",
    "Paul", "Fatou", "Hugo", "Manon", "Rachid", "Emma", "Louis", "Sarah", "Nicolas", "Jade", "Samir", "Claire",
    "Antoine", "Lina", "Maxime", "Océane", "Bruno", "Anaïs",
];

/// What was seeded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub ideas: usize,
    pub comments: usize,
    pub likes: usize,
    pub responses: usize,
}

struct Campaign {
    tenant_id: Uuid,
    id: Uuid,
    opens_at: DateTime<Utc>,
    themes: Vec<String>,
}

async fn campaign(owner: &PgPool, tenant: &str, slug: &str) -> Result<Option<Campaign>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, DateTime<Utc>, Vec<String>)> = sqlx::query_as(
        "SELECT c.tenant_id, c.id, c.opens_at, c.themes FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
          WHERE t.slug = $1 AND c.slug = $2",
    )
    .bind(tenant)
    .bind(slug)
    .fetch_optional(owner)
    .await?;
    Ok(row.map(|(tenant_id, id, opens_at, themes)| Campaign {
        tenant_id,
        id,
        opens_at,
        themes,
    }))
}

/// A moment between `after` and now (the opening, or the idea a like or a comment answers), so
/// the daily charts have a shape and nothing predates what it answers.
fn moment(rng: &mut ChaCha8Rng, after: DateTime<Utc>) -> DateTime<Utc> {
    let span = (Utc::now() - after).num_minutes().max(1);
    after + Duration::minutes(rng.random_range(0..span))
}

/// The demo people (created once): (account id, space slug they take part from).
async fn people(owner: &PgPool, spaces: &[(Uuid, &'static str)]) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let mut people = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let (space, slug) = spaces[i % spaces.len()];
        let email = format!("demo.{}.{i}@exemple.fr", slug);
        let pseudonym = format!("{name} {}", (b'A' + (i as u8 * 7) % 26) as char);
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO accounts (email, pseudonym) VALUES ($1, $2)
             ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        )
        .bind(&email)
        .bind(&pseudonym)
        .fetch_one(owner)
        .await?;
        people.push((id, space));
    }
    Ok(people)
}

/// Seeds participation in the demo campaigns that have none yet.
pub async fn seed(owner: &PgPool) -> anyhow::Result<Seeded> {
    let mut seeded = Seeded::default();
    let mut spaces = Vec::new();
    for slug in ["gironde", "aude", "haute-garonne", "national"] {
        if let Some(id) = sqlx::query_scalar::<_, Uuid>("SELECT id FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(owner)
            .await?
        {
            spaces.push((id, slug));
        }
    }
    if spaces.is_empty() {
        return Ok(seeded);
    }
    let people = people(owner, &spaces).await?;
    let key = crate::db::load_csrf_key(owner).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    for (tenant, slug, ideas) in [
        ("national", "simplifier-les-demarches", DEMARCHES),
        ("gironde", "accueil-bordeaux", ACCUEIL),
    ] {
        let Some(c) = campaign(owner, tenant, slug).await? else {
            continue;
        };
        // People of the campaign's audience: everyone for a national campaign, the space's own
        // people (and national ones) for a local one.
        let national = spaces.iter().find(|(_, s)| *s == "national").map(|(id, _)| *id);
        let crowd: Vec<(Uuid, Uuid)> = people
            .iter()
            .copied()
            .filter(|(_, space)| tenant == "national" || *space == c.tenant_id || Some(*space) == national)
            .collect();
        let crowd = if crowd.is_empty() { people.clone() } else { crowd };
        let mut tx = crate::db::owner_tx_in(owner, c.tenant_id).await?;
        let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM ideas WHERE tenant_id = $1 AND campaign_id = $2")
            .bind(c.tenant_id)
            .bind(c.id)
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            continue;
        }
        let mut posted: Vec<(Uuid, Uuid, DateTime<Utc>)> = Vec::new();
        for (i, (kind, theme, title, body)) in ideas.iter().enumerate() {
            let (author, from) = crowd[(i * 7 + 3) % crowd.len()];
            let at = moment(&mut rng, c.opens_at);
            let origin = if tenant == "national" { from } else { c.tenant_id };
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, theme, status,
                                    submission_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'published', gen_random_uuid(), $9) RETURNING id",
            )
            .bind(c.tenant_id)
            .bind(c.id)
            .bind(origin)
            .bind(author)
            .bind(kind)
            .bind(title)
            .bind(body)
            .bind(c.themes.get(*theme))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            posted.push((id, author, at));
            seeded.ideas += 1;
        }
        // Likes: some ideas strike a chord, most get a few; never one's own.
        let mut likes = vec![0usize; posted.len()];
        for (n, (idea, author, at)) in posted.iter().enumerate() {
            let appeal = if n % 5 == 1 { 0.7 } else { 0.15 + 0.1 * (n % 3) as f64 };
            for (person, from) in &crowd {
                if person != author && rng.random_bool(appeal) {
                    likes[n] += 1;
                    let origin = if tenant == "national" { *from } else { c.tenant_id };
                    sqlx::query(
                        "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id, created_at)
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(c.tenant_id)
                    .bind(idea)
                    .bind(person)
                    .bind(origin)
                    .bind(moment(&mut rng, *at))
                    .execute(&mut *tx)
                    .await?;
                    seeded.likes += 1;
                }
            }
        }
        // Comments on the most liked ideas.
        let mut by_likes: Vec<usize> = (0..posted.len()).collect();
        by_likes.sort_by_key(|n| std::cmp::Reverse(likes[*n]));
        for (k, n) in by_likes
            .iter()
            .take(if tenant == "national" { 6 } else { 3 })
            .enumerate()
        {
            for j in 0..2 {
                let (person, from) = crowd[(k * 5 + j * 11 + 1) % crowd.len()];
                let origin = if tenant == "national" { from } else { c.tenant_id };
                sqlx::query(
                    "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, submission_key, created_at)
                     VALUES ($1, $2, $3, $4, $5, gen_random_uuid(), $6)",
                )
                .bind(c.tenant_id)
                .bind(posted[*n].0)
                .bind(origin)
                .bind(person)
                .bind(COMMENTS[(k * 2 + j) % COMMENTS.len()])
                .bind(moment(&mut rng, posted[*n].2))
                .execute(&mut *tx)
                .await?;
                seeded.comments += 1;
            }
        }
        if tenant == "national" {
            seeded.responses += responses(&mut tx, &key, &c, &crowd, &mut rng).await?;
        }
        // One transaction per campaign: a demo interrupted mid-way seeds it again next time.
        tx.commit().await?;
    }
    Ok(seeded)
}

/// Everyone in `crowd` answers the campaign's survey (if it has one), as the survey pages would
/// store it: one response each, keyed like the application keys them.
async fn responses(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    key: &ring::hmac::Key,
    c: &Campaign,
    crowd: &[(Uuid, Uuid)],
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<usize> {
    let questions: Vec<(Uuid, String, Vec<String>)> = sqlx::query_as(
        "SELECT id, kind, options FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY position",
    )
    .bind(c.tenant_id)
    .bind(c.id)
    .fetch_all(&mut **tx)
    .await?;
    if questions.is_empty() {
        return Ok(0);
    }
    let mut stored = 0;
    for (person, from) in crowd {
        let respondent = crate::surveys::respondent_key(key, c.id, *person);
        let response: Uuid = sqlx::query_scalar(
            "INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, account_id,
                                           submission_key, submitted_at)
             VALUES ($1, $2, $3, $4, 1, $5, gen_random_uuid(), $6) RETURNING id",
        )
        .bind(c.tenant_id)
        .bind(c.id)
        .bind(from)
        .bind(&respondent)
        .bind(person)
        .bind(moment(rng, c.opens_at))
        .fetch_one(&mut **tx)
        .await?;
        // Most did a procedure online; the follow-up question only shows to them.
        let did_online = rng.random_bool(0.8);
        for (id, kind, options) in &questions {
            let value = match kind.as_str() {
                "single_choice" if options.first().is_some_and(|o| o == "Oui") => {
                    serde_json::json!(if did_online { "Oui" } else { "Non" })
                }
                "single_choice" => serde_json::json!(options[rng.random_range(0..options.len())]),
                "multiple_choice" if !did_online => continue,
                "multiple_choice" => {
                    let mut chosen: Vec<&String> = options.iter().filter(|_| rng.random_bool(0.35)).take(3).collect();
                    if chosen.is_empty() {
                        chosen.push(&options[0]);
                    }
                    serde_json::json!(chosen)
                }
                "scale" => serde_json::json!(rng.random_range(3..=9)),
                "ranking" => {
                    let mut order = options.clone();
                    // Real-time follow-up tends to come first.
                    if rng.random_bool(0.6) {
                        order.swap(0, 1);
                    } else if rng.random_bool(0.5) {
                        order.swap(1, 2);
                    }
                    serde_json::json!(order)
                }
                "short_text" if rng.random_bool(0.6) => {
                    serde_json::json!(ONE_WORD[rng.random_range(0..ONE_WORD.len())])
                }
                "long_text" if rng.random_bool(0.4) => {
                    serde_json::json!(DIFFICULTIES[rng.random_range(0..DIFFICULTIES.len())])
                }
                _ => continue,
            };
            sqlx::query(
                "INSERT INTO survey_answers (tenant_id, response_id, question_id, value) VALUES ($1, $2, $3, $4)",
            )
            .bind(c.tenant_id)
            .bind(response)
            .bind(id)
            .bind(value)
            .execute(&mut **tx)
            .await?;
        }
        stored += 1;
    }
    Ok(stored)
}
