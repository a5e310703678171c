//! The demo's words: ideas, comments and survey answers written for `ecoute demo` (ours, not
//! real contributions), and the first names of the people who post them.

/// (kind, theme index in the campaign's themes, title, body)
pub(super) type DemoIdea = (&'static str, usize, &'static str, &'static str);

/// Ideas for "Simplifier vos démarches en ligne" (themes: démarches en ligne, application,
/// justificatifs).
pub(super) const DEMARCHES: &[DemoIdea] = &[
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
pub(super) const ACCUEIL: &[DemoIdea] = &[
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
pub(super) const COMMENTS: &[&str] = &[
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
pub(super) const ONE_WORD: &[&str] = &[
    "Longue",
    "Simple",
    "Compliquée",
    "Rapide",
    "Stressante",
    "Correcte",
    "Interminable",
    "Facile",
];
pub(super) const DIFFICULTIES: &[&str] = &[
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
pub(super) const NAMES: &[&str] = &[
    "Camille", "Nadia", "Julien", "Sophie", "Karim", "Léa", "Thomas", "Inès", "Marc", "Aurélie", "Yanis", "Chloé",
    "Paul", "Fatou", "Hugo", "Manon", "Rachid", "Emma", "Louis", "Sarah", "Nicolas", "Jade", "Samir", "Claire",
    "Antoine", "Lina", "Maxime", "Océane", "Bruno", "Anaïs",
];
