//! Workshop recruitment in the console (`/admin/campagnes/{id}/ateliers`): open the
//! recruitment, add sessions, see the pool with counts by answer and by session, set seats and
//! quotas, and draw the panel (LEXIMIN, seed shown, every volunteer's probability shown).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::space::{NoticeQuery, notice};
use crate::campaigns::authoring;
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::ideas::snapshot::IdeaSnapshots;
use crate::web::Ground;
use crate::web::console::Action;
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::workshops::applications::{Recruitment, find_recruitment};
use crate::workshops::assignment::{self, Unplaced};
use crate::workshops::criteria::{CriterionKind, PercentQuotas, build_instance, custom_question, standard_criteria};
use crate::workshops::queries::{self, DrawRecord, NewDraw, NewSession, SelectionRow, Volunteer};
use crate::workshops::selection::{self, LeximinOptions, SelectionError, stats};

#[derive(Serialize)]
struct OptionCount {
    option: String,
    count: usize,
    /// Field names of the quota inputs.
    min_field: String,
    max_field: String,
    min: String,
    max: String,
}

#[derive(Serialize)]
struct CriterionCounts {
    key: String,
    label: String,
    options: Vec<OptionCount>,
}

#[derive(Serialize)]
struct SessionCount {
    title: String,
    when: String,
    capacity: i32,
    available: usize,
}

#[derive(Serialize)]
struct PoolRow {
    number: usize,
    application_id: Uuid,
    email: String,
    probability: Option<String>,
    status: Option<String>,
    confirmed: bool,
    /// Invited or confirmed: has a place in the panel, so a session.
    in_panel: bool,
    session_id: Option<Uuid>,
    attended: bool,
}

#[derive(Serialize)]
struct AttendanceLine {
    title: String,
    when: String,
    capacity: i32,
    assigned: usize,
    attended: usize,
}

#[derive(Serialize)]
struct View<'a> {
    campaign: &'a CampaignDetail,
    recruitment: Option<&'a Recruitment>,
    pool_size: usize,
    criteria: Vec<CriterionCounts>,
    sessions: Vec<SessionCount>,
    draw: Option<DrawRecord>,
    seed: Option<String>,
    rows: Vec<PoolRow>,
    seats: String,
    problems: Vec<String>,
    notice: Option<String>,
    attendance: Vec<AttendanceLine>,
    session_options: Vec<(Uuid, String)>,
    /// Drawn people without a session whom the automatic assignment can place.
    to_place: usize,
    /// Drawn people who cannot be placed: (address, why).
    unplaceable: Vec<(String, String)>,
    /// The questionnaire as it stands: (label, kind, whether the operator added it).
    /// (label, kind, operator's own, key)
    questions: Vec<(String, String, bool, String)>,
    /// The form adding a question: what was typed, and a message per invalid field.
    question: BTreeMap<String, String>,
    /// The form adding a session: what was typed, when it was refused.
    session: BTreeMap<String, String>,
}

/// The fields of the form that adds a session (shown again when it is refused).
const SESSION_FIELDS: &[&str] = &[
    "title",
    "place",
    "address",
    "accessibility",
    "starts_at",
    "ends_at",
    "capacity",
];

fn quota_field(kind: &str, key: &str, index: usize) -> String {
    format!("q-{kind}-{key}-{index}")
}

async fn load(
    state: &Ground,
    page: &Page,
    id: Uuid,
) -> Result<
    (
        CampaignDetail,
        Option<Recruitment>,
        Vec<Volunteer>,
        Option<(DrawRecord, Vec<SelectionRow>)>,
    ),
    PageError,
> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id).await?;
    let (pool, draw) = match &recruitment {
        Some(r) => (
            queries::pool(&mut tx, r.id).await?,
            queries::find_draw(&mut tx, r.id).await?,
        ),
        None => (Vec::new(), None),
    };
    tx.commit().await?;
    Ok((campaign, recruitment, pool, draw))
}

fn counts(recruitment: &Recruitment, pool: &[Volunteer], fields: &BTreeMap<String, String>) -> Vec<CriterionCounts> {
    recruitment
        .criteria
        .iter()
        .filter(|c| c.kind != CriterionKind::Text)
        .map(|c| CriterionCounts {
            key: c.key.clone(),
            label: c.label.clone(),
            options: c
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let count = pool
                        .iter()
                        .filter(|v| match v.answers.get(&c.key) {
                            Some(Value::String(s)) => s == o,
                            Some(Value::Array(items)) => items.iter().any(|x| x.as_str() == Some(o)),
                            _ => false,
                        })
                        .count();
                    let (min_field, max_field) = (quota_field("min", &c.key, i), quota_field("max", &c.key, i));
                    OptionCount {
                        option: o.clone(),
                        count,
                        min: fields.get(&min_field).cloned().unwrap_or_default(),
                        max: fields.get(&max_field).cloned().unwrap_or_default(),
                        min_field,
                        max_field,
                    }
                })
                .collect(),
        })
        .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "one view assembled from what the handlers loaded"
)]
fn render(
    page: &Page,
    operator: &SignedInOperator,
    campaign: &CampaignDetail,
    recruitment: Option<&Recruitment>,
    pool: &[Volunteer],
    draw: Option<(DrawRecord, Vec<SelectionRow>)>,
    fields: &BTreeMap<String, String>,
    problems: Vec<String>,
    notice_text: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (draw, selections) = match draw {
        Some((d, s)) => (Some(d), s),
        None => (None, Vec::new()),
    };
    let attendance = recruitment
        .map(|r| {
            r.sessions
                .iter()
                .map(|s| AttendanceLine {
                    title: s.title.clone(),
                    when: s.when.clone(),
                    capacity: s.capacity,
                    assigned: selections.iter().filter(|x| x.session_id == Some(s.id)).count(),
                    attended: selections
                        .iter()
                        .filter(|x| x.session_id == Some(s.id) && x.attended == Some(true))
                        .count(),
                })
                .collect()
        })
        .unwrap_or_default();
    let session_options = recruitment
        .map(|r| r.sessions.iter().map(|s| (s.id, s.title.clone())).collect())
        .unwrap_or_default();
    let placing = recruitment
        .map(|r| assignment::plan(&r.sessions, pool, &selections))
        .unwrap_or_default();
    let unplaceable = placing
        .unplaced
        .iter()
        .map(|(application, why)| {
            let email = pool
                .iter()
                .find(|v| v.application_id == *application)
                .map(|v| v.email.clone())
                .unwrap_or_default();
            let why = match why {
                Unplaced::NoAvailability => page.text("workshops_console.unplaced_no_availability"),
                Unplaced::SessionsFull => page.text("workshops_console.unplaced_full"),
            };
            (email, why)
        })
        .collect();
    let rows = pool
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let s = selections.iter().find(|s| s.application_id == v.application_id);
            PoolRow {
                number: i + 1,
                application_id: v.application_id,
                confirmed: s.is_some_and(|s| s.status == "confirmed"),
                in_panel: s.is_some_and(|s| s.status == "confirmed" || s.status == "invited"),
                session_id: s.and_then(|s| s.session_id),
                attended: s.and_then(|s| s.attended).unwrap_or(false),
                email: v.email.clone(),
                probability: s.map(|s| format!("{:.2} %", 100.0 * s.probability)),
                status: s.map(|s| {
                    if s.status == "waitlist" {
                        format!(
                            "{} {}",
                            page.text("workshops_console.waitlist"),
                            s.waitlist_rank.unwrap_or(0)
                        )
                    } else {
                        page.text(&format!("workshops_console.status.{}", s.status))
                    }
                }),
            }
        })
        .collect();
    let view = View {
        campaign,
        recruitment,
        pool_size: pool.len(),
        criteria: recruitment.map(|r| counts(r, pool, fields)).unwrap_or_default(),
        sessions: recruitment
            .map(|r| {
                r.sessions
                    .iter()
                    .map(|s| SessionCount {
                        title: s.title.clone(),
                        when: s.when.clone(),
                        capacity: s.capacity,
                        available: pool.iter().filter(|v| v.sessions.contains(&s.id)).count(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        seed: draw
            .as_ref()
            .map(|d| u64::from_ne_bytes(d.seed.to_ne_bytes()).to_string()),
        draw,
        rows,
        seats: fields.get("seats").cloned().unwrap_or_default(),
        problems,
        notice: notice_text,
        attendance,
        session_options,
        to_place: placing.new.len(),
        unplaceable,
        questions: recruitment
            .map(|r| {
                r.criteria
                    .iter()
                    .map(|c| {
                        let kind = match c.kind {
                            CriterionKind::Single => "single",
                            CriterionKind::Multiple => "multiple",
                            CriterionKind::Text => "text",
                        };
                        (
                            c.label.clone(),
                            page.text(&format!("workshops_console.question_kind.{kind}")),
                            c.key.starts_with("custom_"),
                            c.key.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        question: fields
            .iter()
            .filter(|(k, _)| k.starts_with("q_") || k.starts_with("err_q_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        session: fields
            .iter()
            .filter(|(k, _)| SESSION_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    render_console(
        page,
        operator,
        "console_workshops.html",
        "/admin/campagnes",
        view,
        status,
    )
}

/// `GET /admin/campagnes/{id}/ateliers`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let (campaign, recruitment, pool, draw) = load(&state, &page, id).await?;
    let n = notice(&page, &query);
    render(
        &page,
        &operator,
        &campaign,
        recruitment.as_ref(),
        &pool,
        draw,
        &BTreeMap::new(),
        Vec::new(),
        n,
        StatusCode::OK,
    )
}

/// `POST /admin/campagnes/{id}/ateliers`: opens the recruitment with the standard questionnaire.
pub async fn open(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(ideas): State<IdeaSnapshots>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let criteria = standard_criteria(&page.tenant.departements);
    if let Some(r) = queries::create_recruitment(&mut tx, id, &criteria, 6).await? {
        crate::audit::record(
            &mut tx,
            &operator.0,
            "workshops.open",
            &r.to_string(),
            serde_json::json!({"campaign": id}),
        )
        .await?;
    }
    tx.commit().await?;
    // The campaign page shows the link to the application page from now on.
    campaigns.forget_all();
    ideas.forget(id).await;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// `POST /admin/campagnes/{id}/ateliers/seances`: adds a session.
pub async fn add_session(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    // A refused character (a NUL...): the form again with the rest of the entry, nothing stored;
    // in a field the form does not show, the French page.
    let (fields, refused) = checked.shown(|f| SESSION_FIELDS.contains(&f))?;
    let refused_text = refused.is_some();
    let f: BTreeMap<String, String> = fields.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let time = |k: &str| NaiveDateTime::parse_from_str(&get(k), "%Y-%m-%dT%H:%M").ok();
    let (campaign, recruitment, pool, draw) = load(&state, &page, id).await?;
    let Some(recruitment) = recruitment else {
        return Err(PageError::NotFound);
    };
    let session = match (time("starts_at"), time("ends_at"), get("capacity").parse::<i32>()) {
        (Some(starts_at), Some(ends_at), Ok(capacity))
            if !refused_text
                && ends_at > starts_at
                && capacity > 0
                && !get("title").is_empty()
                && !get("place").is_empty()
                && !get("address").is_empty() =>
        {
            NewSession {
                title: get("title"),
                caf_name: page.tenant.name.clone(),
                place: get("place"),
                address: get("address"),
                accessibility: get("accessibility"),
                starts_at,
                ends_at,
                capacity,
            }
        }
        _ => {
            let problems = vec![page.text(if refused_text {
                "error.invalid_text.field"
            } else {
                "workshops_console.session_invalid"
            })];
            return render(
                &page,
                &operator,
                &campaign,
                Some(&recruitment),
                &pool,
                draw,
                &f,
                problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let sid = queries::add_session(&mut tx, recruitment.id, &session).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.session",
        &sid.to_string(),
        serde_json::json!({"title": session.title}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// `POST /admin/campagnes/{id}/ateliers/tirage`: seats and quotas, then the draw.
pub async fn draw(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let f: BTreeMap<String, String> = fields.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
    let (campaign, recruitment, pool, existing) = load(&state, &page, id).await?;
    let Some(recruitment) = recruitment else {
        return Err(PageError::NotFound);
    };
    let fail = |problems: Vec<String>, existing| {
        render(
            &page,
            &operator,
            &campaign,
            Some(&recruitment),
            &pool,
            existing,
            &f,
            problems,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if existing.is_some() {
        return fail(vec![page.text("workshops_console.already_drawn")], existing);
    }
    let Some(seats) = f.get("seats").and_then(|s| s.parse::<u32>().ok()).filter(|&s| s > 0) else {
        return fail(vec![page.text("workshops_console.seats_invalid")], existing);
    };
    let mut quotas = PercentQuotas::new();
    let mut bad = Vec::new();
    for c in recruitment.criteria.iter().filter(|c| c.kind != CriterionKind::Text) {
        for (i, o) in c.options.iter().enumerate() {
            let read = |kind: &str| -> Result<Option<f64>, ()> {
                match f.get(&quota_field(kind, &c.key, i)).map(String::as_str) {
                    None | Some("") => Ok(None),
                    Some(v) => v
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .map(Some)
                        .ok_or(()),
                }
            };
            match (read("min"), read("max")) {
                (Ok(None), Ok(None)) => {}
                (Ok(lo), Ok(hi)) => {
                    quotas
                        .entry(c.key.clone())
                        .or_default()
                        .insert(o.clone(), (lo.unwrap_or(0.0), hi.unwrap_or(100.0)));
                }
                _ => bad.push(format!(
                    "{} : {o} — {}",
                    c.label,
                    page.text("workshops_console.percent_invalid")
                )),
            }
        }
    }
    if !bad.is_empty() {
        return fail(bad, existing);
    }
    let answers: Vec<_> = pool.iter().map(|v| v.answers.clone()).collect();
    let (instance, dimensions) = build_instance(&recruitment.criteria, &quotas, seats, &answers);
    let seed: u64 = rand::random();
    let computed = tokio::task::spawn_blocking(move || {
        let fair = selection::leximin(
            &instance,
            &LeximinOptions {
                // About a second on large pools (the quota polytope); small pools with narrow
                // quotas can need column generation, 3 to 4.5 s in the benchmark's sweep. A draw
                // happens once per recruitment: waiting a few seconds for the exact LEXIMIN is
                // worth it, and the request timeout (30 s) is far.
                time_budget: Duration::from_secs(10),
                ..LeximinOptions::default()
            },
        )?;
        let drawn = selection::draw(&fair, seed);
        Ok::<_, SelectionError>((fair, drawn))
    })
    .await
    .map_err(|e| anyhow::anyhow!("selection task: {e}"))?;
    let (fair, drawn) = match computed {
        Ok(done) => done,
        Err(SelectionError::Infeasible(reasons)) => {
            let problems = reasons.iter().map(|r| explain(&page, r, &dimensions)).collect();
            return fail(problems, existing);
        }
        Err(SelectionError::Invalid(_)) => return fail(vec![page.text("workshops_console.seats_invalid")], existing),
        Err(e) => return Err(anyhow::anyhow!("selection: {e}").into()),
    };
    let spread = stats::spread(&fair.probabilities);
    let mut rows = Vec::with_capacity(pool.len());
    for (seat, &i) in drawn.panel.iter().enumerate() {
        rows.push((
            pool[i].application_id,
            fair.probabilities[i],
            Some(seat as i32 + 1),
            None,
        ));
    }
    for (rank, &i) in drawn.waitlist.iter().enumerate() {
        rows.push((
            pool[i].application_id,
            fair.probabilities[i],
            None,
            Some(rank as i32 + 1),
        ));
    }
    let algorithm = if fair.complete {
        "leximin"
    } else {
        "leximin (limité en temps)"
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let stored = queries::store_draw(
        &mut tx,
        recruitment.id,
        NewDraw {
            seed,
            seats,
            quotas: &quotas,
            algorithm,
            min_probability: spread.min,
            gini: spread.gini,
            drawn_by: &operator.0.email,
            rows,
        },
    )
    .await?;
    let Some(draw_id) = stored else {
        drop(tx);
        return fail(vec![page.text("workshops_console.already_drawn")], existing);
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.draw",
        &draw_id.to_string(),
        serde_json::json!({"seed": seed.to_string(), "seats": seats, "min_probability": spread.min}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// An infeasibility in the operator's words.
fn explain(
    page: &Page,
    reason: &selection::Infeasibility,
    dimensions: &[crate::workshops::criteria::Dimension],
) -> String {
    use selection::Infeasibility::*;
    let name = |c: usize, v: usize| {
        dimensions
            .get(c)
            .map(|d| format!("« {} : {} »", d.label, d.values.get(v).cloned().unwrap_or_default()))
            .unwrap_or_default()
    };
    let label = |c: usize| {
        dimensions
            .get(c)
            .map(|d| format!("« {} »", d.label))
            .unwrap_or_default()
    };
    let t = |key: &str| page.text(&format!("workshops_console.infeasible.{key}"));
    match reason {
        SeatsExceedPool { seats, pool } => t("seats_exceed_pool")
            .replace("{seats}", &seats.to_string())
            .replace("{pool}", &pool.to_string()),
        MinAboveMax {
            criterion,
            value,
            min,
            max,
        } => t("min_above_max")
            .replace("{quota}", &name(*criterion, *value))
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        NotEnoughVolunteers {
            criterion,
            value,
            min,
            available,
        } => t("not_enough")
            .replace("{quota}", &name(*criterion, *value))
            .replace("{min}", &min.to_string())
            .replace("{available}", &available.to_string())
            .replace("{by}", &reason.shortfall().to_string()),
        MinimumsExceedSeats {
            criterion,
            total,
            seats,
        } => t("minimums_exceed")
            .replace("{criterion}", &label(*criterion))
            .replace("{total}", &total.to_string())
            .replace("{seats}", &seats.to_string()),
        MaximumsBelowSeats {
            criterion,
            total,
            seats,
        } => t("maximums_below")
            .replace("{criterion}", &label(*criterion))
            .replace("{total}", &total.to_string())
            .replace("{seats}", &seats.to_string()),
        Combined { relaxations } => {
            let changes: Vec<String> = relaxations
                .iter()
                .map(|r| {
                    t(if r.lower_min { "lower_min" } else { "raise_max" })
                        .replace("{quota}", &name(r.criterion, r.value))
                        .replace("{by}", &r.by.to_string())
                })
                .collect();
            format!("{} {}", t("combined"), changes.join(" ; "))
        }
    }
}

/// `POST /admin/campagnes/{id}/ateliers/invitations`: mails everyone drawn who has no link yet
/// (answer within 7 days).
pub async fn send_invitations(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let (draw, _) = queries::find_draw(&mut tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let sent = crate::workshops::invitations::send_invitations(&mut tx, draw.id, &page.origin.base_url(), 7).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.invite",
        &draw.id.to_string(),
        serde_json::json!({"sent": sent}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// The page loaded afresh, with what the operator typed and the problems found (a refused
/// form).
async fn render_again(
    state: &Ground,
    page: &Page,
    operator: &SignedInOperator,
    id: Uuid,
    form: &BTreeMap<String, String>,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (campaign, recruitment, pool, draw) = load(state, page, id).await?;
    render(
        page,
        operator,
        &campaign,
        recruitment.as_ref(),
        &pool,
        draw,
        form,
        problems,
        None,
        status,
    )
}

/// `POST /admin/campagnes/{id}/ateliers/questions`: adds the operator's own question to the
/// questionnaire (single or multiple choice, which can carry quotas, or short text), until the
/// draw is made. Invalid fields are shown next to the form's fields (422).
pub async fn add_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let (fields, refused) = checked.shown(|f| f.starts_with("q_"))?;
    let mut form: BTreeMap<String, String> = fields.into_iter().filter(|(k, _)| k.starts_with("q_")).collect();
    let mut tx = state.db.begin(&page.tenant).await?;
    queries::lock_recruitment(&mut tx, id).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let drawn = queries::find_draw(&mut tx, recruitment.id).await?.is_some();
    let outcome = if drawn {
        Err(vec![page.text("workshops_console.question_after_draw")])
    } else if let Some(field) = refused {
        // A refused character: the message beside that field, the rest of the entry kept.
        form.insert(format!("err_{field}"), page.text("error.invalid_text.field"));
        Err(Vec::new())
    } else {
        custom_question(&recruitment.criteria, &form).map_err(|errors| {
            for (field, message) in errors {
                form.insert(format!("err_{field}"), page.text(message));
            }
            Vec::new()
        })
    };
    let question = match outcome {
        Ok(question) => question,
        Err(problems) => {
            drop(tx);
            let status = if drawn {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render_again(&state, &page, &operator, id, &form, problems, status).await;
        }
    };
    queries::add_criterion(&mut tx, recruitment.id, &question).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.question",
        &recruitment.id.to_string(),
        serde_json::json!({"key": question.key, "label": question.label, "kind": question.kind, "options": question.options.len()}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait=question#questionnaire"))
}

/// `POST /admin/campagnes/{id}/ateliers/questions/{key}/suppression`: removes one of the
/// operator's own questions, with the answers volunteers gave to it, while no panel is drawn
/// (afterwards the questionnaire is frozen: 409). The standard criteria stay.
pub async fn remove_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path((id, key)): Path<(Uuid, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    if !key.starts_with("custom_") {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    queries::lock_recruitment(&mut tx, id).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let Some(question) = recruitment.criteria.iter().find(|c| c.key == key) else {
        return Err(PageError::NotFound);
    };
    if queries::find_draw(&mut tx, recruitment.id).await?.is_some() {
        drop(tx);
        let problems = vec![page.text("workshops_console.question_after_draw")];
        return render_again(
            &state,
            &page,
            &operator,
            id,
            &BTreeMap::new(),
            problems,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let answers = queries::remove_criterion(&mut tx, recruitment.id, &key).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.question_removed",
        &recruitment.id.to_string(),
        serde_json::json!({"key": key, "label": question.label, "answers_removed": answers}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!(
        "/admin/campagnes/{id}/ateliers?fait=suppression#questionnaire"
    ))
}

/// `POST /admin/campagnes/{id}/ateliers/repartition`: places the drawn people who have no
/// session yet in sessions they can attend, within capacities (sessions already set, by hand
/// or before, are kept). Those who cannot be placed are listed on the page.
pub async fn assign_sessions(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let (draw, _) = queries::find_draw(&mut tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    // Answers, promotions and other assignments of this draw wait: capacities hold.
    crate::workshops::invitations::lock_draw(&mut tx, draw.id).await?;
    let (_, selections) = queries::find_draw(&mut tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let pool = queries::pool(&mut tx, recruitment.id).await?;
    let plan = assignment::plan(&recruitment.sessions, &pool, &selections);
    let placed = queries::assign_sessions(&mut tx, draw.id, &plan.new).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.assign",
        &draw.id.to_string(),
        serde_json::json!({"placed": placed, "unplaced": plan.unplaced.len()}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait=repartition"))
}

/// `POST /admin/campagnes/{id}/ateliers/presences`: for each person of the panel (invited or
/// confirmed), the session (`seance-{application}`), set by hand; for confirmed people,
/// whether they came (`present-{application}` = `oui`).
pub async fn record_attendance(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageWorkshops)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let (draw, selections) = queries::find_draw(&mut tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let value = |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str());
    let mut marks = Vec::new();
    for s in selections
        .iter()
        .filter(|s| s.status == "confirmed" || s.status == "invited")
    {
        let session = match value(format!("seance-{}", s.application_id)) {
            None | Some("") => None,
            Some(v) => Some(
                v.parse::<Uuid>()
                    .ok()
                    .filter(|id| recruitment.sessions.iter().any(|x| x.id == *id))
                    .ok_or(PageError::BadRequest)?,
            ),
        };
        let present = value(format!("present-{}", s.application_id)) == Some("oui");
        marks.push((s.application_id, session, present));
    }
    // People who had a session and are given another are told, with an updated calendar.
    let moves: Vec<(Uuid, Uuid)> = marks
        .iter()
        .filter_map(|(application, session, _)| {
            let before = selections
                .iter()
                .find(|s| s.application_id == *application)?
                .session_id?;
            (session.is_some() && *session != Some(before)).then_some((*application, before))
        })
        .collect();
    let changed = queries::record_attendance(&mut tx, draw.id, &marks).await?;
    let told = crate::workshops::invitations::send_session_changes(&mut tx, draw.id, &moves).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "workshops.attendance",
        &draw.id.to_string(),
        serde_json::json!({"rows": changed, "moved_and_told": told}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}
