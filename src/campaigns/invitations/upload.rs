//! The invitation form: the campaign's batches and delivery so far, a new list (pasted or a
//! file) and its mail. An accepted upload becomes a pending batch, shown by [`super::batch`].

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use super::store::{self, NewBatch};
use super::{MAX_LIST_BYTES, Progress, batch_path, campaign, format_moment};
use crate::campaigns::address_list::{ParsedList, Verdict, both_lists};
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::mail::MailKind;
use crate::mail::status::Filter;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, Operator, render_console, right};
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::web::uploads::{read_capped, text_up_to};

/// What the form sent: a list pasted and/or a file, the mail, whether the addresses join the
/// staff list, and whether the file was over the limit.
#[derive(Default)]
struct Sent {
    csrf: String,
    pasted: String,
    file: String,
    subject: String,
    message: String,
    as_staff: bool,
    too_big: bool,
}

async fn read_sent(multipart: &mut Multipart) -> Result<Sent, PageError> {
    let mut sent = Sent::default();
    while let Some(mut field) = multipart.next_field().await.map_err(crate::web::uploads::refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            match read_capped(&mut field, MAX_LIST_BYTES).await? {
                Some(bytes) => sent.file = String::from_utf8_lossy(&bytes).into_owned(),
                None => sent.too_big = true,
            }
            continue;
        }
        // A pasted list may be as long as a file.
        let max = if name == "addresses" {
            MAX_LIST_BYTES
        } else {
            crate::web::limits::FORM
        };
        let value = text_up_to(&mut field, max).await?;
        match name.as_str() {
            "csrf" => sent.csrf = value,
            "addresses" => sent.pasted = value,
            "subject" => sent.subject = value.trim().to_owned(),
            "message" => sent.message = value.trim().to_owned(),
            "as_staff" => sent.as_staff = value == "on",
            _ => {}
        }
    }
    Ok(sent)
}

/// A refused line of a list, with its reason in the page's language.
#[derive(Serialize)]
struct RefusedLine {
    line: usize,
    value: String,
    reason: String,
}

/// A batch in the campaign's list.
#[derive(Serialize)]
struct ListedBatch {
    id: Uuid,
    created: String,
    prepared_by: String,
    addresses: i32,
    confirmed: bool,
}

/// What the form shows besides the campaign: the entry (kept on a refusal), the refusal and
/// the lines it refused.
#[derive(Serialize)]
struct Entry {
    pasted: String,
    subject: String,
    message: String,
    as_staff: bool,
    refused: Vec<RefusedLine>,
    error: Option<String>,
}

impl Entry {
    fn blank(page: &Page, c: &CampaignDetail) -> Self {
        let subject = page
            .text("invitations.default_subject")
            .replace("{title}", &c.summary.title);
        let message = page
            .text("invitations.default_message")
            .replace("{space}", &page.tenant.name)
            .replace("{title}", &c.summary.title)
            .replace("{summary}", &c.summary.summary);
        Entry {
            pasted: String::new(),
            subject,
            message,
            as_staff: c.summary.audience == "staff",
            refused: Vec::new(),
            error: None,
        }
    }
}

/// The form page: 422 when `entry` carries a refusal.
async fn render_form(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    c: &CampaignDetail,
    entry: Entry,
) -> Result<Response, PageError> {
    let progress = Progress::from(crate::mail::status::counts(tx, &campaign_filter(c.summary.id)).await?);
    let batches = store::list_batches(tx, c.summary.id)
        .await?
        .into_iter()
        .map(|b| ListedBatch {
            id: b.id,
            created: format_moment(page, b.created_at),
            prepared_by: b.prepared_by,
            addresses: b.addresses,
            confirmed: b.confirmed_at.is_some(),
        })
        .collect::<Vec<_>>();
    let status = match entry.error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        progress: Progress,
        batches: Vec<ListedBatch>,
        #[serde(flatten)]
        entry: Entry,
        max_mib: usize,
    }
    let view = View {
        campaign: c,
        progress,
        batches,
        entry,
        max_mib: MAX_LIST_BYTES / (1024 * 1024),
    };
    render_console(
        page,
        operator,
        "console_invitations.html",
        "/admin/campagnes",
        view,
        status,
    )
}

fn campaign_filter(id: Uuid) -> Filter {
    Filter {
        campaign: Some(id),
        kind: Some(MailKind::Invitation),
        ..Default::default()
    }
}

/// `GET /admin/campagnes/{id}/invitations`.
pub async fn form(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let entry = Entry::blank(&page, &c);
    let response = render_form(&mut tx, &page, &operator.0, &c, entry).await?;
    tx.commit().await?;
    Ok(response)
}

/// `GET /admin/campagnes/{id}/invitations/etat`: the campaign's delivery counts, all batches.
pub async fn progress(
    State(state): State<Ground>,
    page: Page,
    _operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
) -> Result<Json<Progress>, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    campaign(&mut tx, id).await?;
    let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
    tx.commit().await?;
    Ok(Json(Progress::from(counts)))
}

/// Why the form is refused, if it is (a locale key).
fn refusal(sent: &Sent, c: &CampaignDetail, list: &ParsedList) -> Option<&'static str> {
    let message_invalid = sent.subject.is_empty()
        || sent.subject.chars().count() > 200
        || sent.message.chars().count() > 5000
        || crate::web::text::clean(&sent.subject).is_err()
        || crate::web::text::clean(&sent.message).is_err();
    if sent.too_big {
        Some("invitations.too_big")
    } else if message_invalid {
        Some("invitations.message_invalid")
    } else if c.published_at.is_none() {
        Some("invitations.draft")
    } else if list.entries.is_empty() {
        Some("invitations.empty")
    } else if list.addresses().next().is_none() {
        Some("invitations.none_valid")
    } else {
        None
    }
}

/// `POST /admin/campagnes/{id}/invitations` (multipart: a pasted list and/or a file): stores
/// the list as a pending batch and sends to its preview.
pub async fn upload(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = read_sent(&mut multipart).await?;
    if !crate::web::csrf::csrf_valid(&state.csrf_key, page.tenant.id, &page.visitor, &sent.csrf) {
        return Err(PageError::Forbidden);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let list = both_lists(&sent.pasted, &sent.file);
    if let Some(key) = refusal(&sent, &c, &list) {
        let refused = list
            .refused()
            .map(|e| RefusedLine {
                line: e.line,
                value: e.value.clone(),
                reason: match e.verdict {
                    Verdict::Refused(reason) => page.text(reason),
                    _ => String::new(),
                },
            })
            .collect();
        let entry = Entry {
            pasted: sent.pasted,
            subject: sent.subject,
            message: sent.message,
            as_staff: sent.as_staff,
            refused,
            error: Some(page.text(key)),
        };
        return render_form(&mut tx, &page, &operator.0, &c, entry).await;
    }
    store::forget_stale(&mut tx).await?;
    let new = NewBatch {
        campaign: id,
        subject: &sent.subject,
        message: &sent.message,
        as_staff: sent.as_staff,
        prepared_by: &operator.0.email,
    };
    let batch = store::insert_batch(&mut tx, &new, &list).await?;
    tx.commit().await?;
    see_other(&batch_path(id, batch))
}
