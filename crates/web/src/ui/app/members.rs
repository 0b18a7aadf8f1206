//! The firm's members: the list, an invitation by emailed link (the invitee chooses their own
//! password on the page the link opens), and each member's role, hours, zone, capacity and
//! whether they are active.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::absence::{Absence, NewAbsence};
use rapport_core::access::{Permission, Role};
use rapport_core::ids::MemberId;
use rapport_core::member::{Member, MemberPatch, NewMember};
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, saved_or_refill, say};
use super::{CsrfOnly, Me, me, page, parse_id, with_login_cookie};
use crate::extract::SESSION_COOKIE;
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{
    Agent, SameOrigin, Session, UiResult, bare_page, csrf_field, describe, login_csrf_ok,
    random_token,
};

const LABELS: Labels = &[
    ("email", "Email"),
    ("name", "Name"),
    ("role", "Role"),
    ("tz", "Time zone"),
    ("working_hours", "Working hours"),
    ("weekly_capacity_minutes", "Weekly capacity"),
    ("holidays", "Other days off"),
    ("holiday_countries", "Public holidays of"),
    ("active", "Active"),
    ("member", "Member"),
    ("starts_on", "First day away"),
    ("ends_on", "Last day away"),
    ("note", "Note"),
];

/// Zones offered as you type (any IANA zone is accepted).
pub(super) const ZONES: [&str; 16] = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Dubai",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Africa/Lagos",
];

pub(super) fn zone_list() -> Markup {
    html! {
        datalist id="zones" { @for z in ZONES { option value=(z) {} } }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let members = state
        .app
        .list_members(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    let admin = s.ctx.principal.allows(Permission::ManageMembers);
    let waiting = if admin {
        state.app.members_without_password(&s.ctx).await?
    } else {
        Default::default()
    };
    let notice = match q.done.as_str() {
        "invited" => Some("Invitation sent. They choose their own password from the mail."),
        "reinvited" => Some("A new invitation is on its way; the older link no longer works."),
        "saved" => Some("Saved."),
        _ => None,
    };
    let body = html! {
        h1 { "Members" }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        @if admin {
            p { a class="button" href="/app/members/new" { "Invite a member" } }
        }
        div class="table-wrap" {
            table class="queue" {
                caption class="sr-only" { "Members of the firm" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Time zone" }
                    th scope="col" { "Working hours" } th scope="col" { "Capacity" } th scope="col" { "State" }
                } }
                tbody {
                    @for m in &members.items {
                        tr {
                            td {
                                @if admin || m.id == me.id { a href={ "/app/members/" (m.id.0) } { (m.name) } } @else { (m.name) }
                                br; span class="muted" { (m.email) }
                            }
                            td { (m.role.as_str()) }
                            td { (m.tz) }
                            td { (m.working_hours.join(", ")) }
                            td { (fields::as_hours(m.weekly_capacity_minutes)) " h a week" }
                            td {
                                @if !m.active { "deactivated" }
                                @else if waiting.contains(&m.id) { "invited, not joined yet" }
                                @else { "active" }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Members", "members", body).await
}

/// What the member form holds, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct MemberForm {
    csrf: String,
    email: String,
    name: String,
    role: String,
    tz: String,
    working_hours: String,
    capacity_hours: String,
    /// Countries whose public holidays they take, comma-separated.
    holiday_countries: String,
    /// Other days off, one `YYYY-MM-DD` per line.
    holidays: String,
    active: String,
    /// Set by the edit form so an unticked "active" box means "deactivate".
    has_active: String,
}

impl MemberForm {
    fn of(m: &Member) -> Self {
        MemberForm {
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role.as_str().into(),
            tz: m.tz.clone(),
            working_hours: m.working_hours.join("\n"),
            capacity_hours: fields::as_hours(m.weekly_capacity_minutes),
            holiday_countries: m.holiday_countries.join(", "),
            holidays: m.holidays.join("\n"),
            active: if m.active {
                "yes".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }

    fn role(&self) -> Result<Role, AppError> {
        self.role
            .parse()
            .map_err(|_| AppError::invalid("role", "choose a role"))
    }

    fn hours(&self) -> Option<Vec<String>> {
        let l = fields::lines(&self.working_hours);
        (!l.is_empty()).then_some(l)
    }
}

/// The form for inviting (`member` is None) or editing a member.
fn member_form(s: &Session, f: &MemberForm, member: Option<&Member>, admin: bool) -> Markup {
    let action = match member {
        Some(m) => format!("/app/members/{}", m.id.0),
        None => "/app/members/new".into(),
    };
    let grantable: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| s.ctx.principal.may_grant(*r) || f.role == r.as_str())
        .collect();
    html! {
        form method="post" action=(action) class="stack" id="member-form" {
            (csrf_field(&s.csrf))
            label for="m-name" { "Name" }
            input id="m-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            @if member.is_none() {
                label for="m-email" { "Email" }
                input id="m-email" name="email" type="email" required maxlength="254" autocomplete="off" value=(f.email);
                p class="muted" { "The invitation goes to this address; they choose their own password from it." }
            }
            @if admin {
                label for="m-role" { "Role" }
                select id="m-role" name="role" {
                    @for r in &grantable {
                        option value=(r.as_str()) selected[f.role == r.as_str() || (f.role.is_empty() && *r == Role::Agent)] { (r.as_str()) }
                    }
                }
            } @else {
                input type="hidden" name="role" value=(f.role);
            }
            label for="m-tz" { "Time zone" }
            input id="m-tz" name="tz" required list="zones" placeholder="Europe/London" autocomplete="off" value=(f.tz);
            (zone_list())
            label for="m-hours" { "Working hours (one range per line, in their zone)" }
            textarea id="m-hours" name="working_hours" rows="3" placeholder="mon-fri 09:00-17:00" { (f.working_hours) }
            label for="m-capacity" { "Weekly capacity (hours of client work)" }
            input id="m-capacity" name="capacity_hours" inputmode="decimal" placeholder="40" value=(f.capacity_hours);
            @if member.is_some() {
                label for="m-countries" { "Public holidays of (country codes, e.g. GB, US)" }
                input id="m-countries" name="holiday_countries" autocomplete="off" value=(f.holiday_countries);
                label for="m-holidays" { "Other days off (YYYY-MM-DD, one per line, in their zone)" }
                textarea id="m-holidays" name="holidays" rows="2" { (f.holidays) }
            }
            @if member.is_some() && admin {
                input type="hidden" name="has_active" value="yes";
                label { input type="checkbox" name="active" value="yes" checked[f.active == "yes"]; " Active (untick to deactivate: they can no longer sign in)" }
            }
            button type="submit" { @if member.is_some() { "Save" } @else { "Send the invitation" } }
        }
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    me: &Me,
    f: &MemberForm,
    member: Option<&Member>,
    error: Option<(StatusCode, String)>,
    away: &AbsenceForm,
) -> UiResult<Response> {
    let admin = s.ctx.principal.allows(Permission::ManageMembers);
    let absences = match member {
        Some(m) => state.app.list_absences(&s.ctx, m.id).await?,
        None => Vec::new(),
    };
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let title = match member {
        Some(m) => m.name.clone(),
        None => "Invite a member".into(),
    };
    let waiting = match member {
        Some(m) if admin => state
            .app
            .members_without_password(&s.ctx)
            .await?
            .contains(&m.id),
        _ => false,
    };
    let body = html! {
        p class="crumbs" { a href="/app/members" { "Members" } " › " (title) }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        @if let Some(m) = member { p class="muted" { (m.email) " · " (m.role.as_str()) } }
        (member_form(s, f, member, admin))
        @if let Some(m) = member {
            (absence_section(s, m, &absences, away))
        }
        @if let Some(m) = member.filter(|m| waiting && m.active) {
            form method="post" action={ "/app/members/" (m.id.0) "/invite" } class="row" {
                (csrf_field(&s.csrf))
                span class="muted" { "They have not chosen a password yet." }
                button type="submit" class="secondary" { "Send a new invitation" }
            }
        }
    };
    let markup = page(state, s, me, &title, "members", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Response> {
    let me = me(&state, &s).await?;
    s.ctx.require(Permission::ManageMembers)?;
    let f = MemberForm {
        tz: me.tz.clone(),
        role: "agent".into(),
        working_hours: "mon-fri 09:00-17:00".into(),
        capacity_hours: "40".into(),
        ..Default::default()
    };
    form_page(&state, &s, &me, &f, None, None, &NO_ABSENCE).await
}

pub(super) async fn invite(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<MemberForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let result = async {
        let input = NewMember {
            email: f.email.trim().to_string(),
            name: f.name.clone(),
            role: f.role()?,
            tz: f.tz.trim().to_string(),
            working_hours: f.hours(),
            weekly_capacity_minutes: fields::hours("weekly_capacity_minutes", &f.capacity_hours)?,
            password: None,
        };
        state.app.invite_member(&s.ctx, input).await
    }
    .await;
    saved_or_refill(result, "/app/members?done=invited", LABELS, |said| {
        form_page(&state, &s, &me, &f, None, Some(said), &NO_ABSENCE)
    })
    .await
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = MemberId(parse_id(&raw)?);
    let me = me(&state, &s).await?;
    let m = state.app.get_member(&s.ctx, id).await?;
    form_page(
        &state,
        &s,
        &me,
        &MemberForm::of(&m),
        Some(&m),
        None,
        &NO_ABSENCE,
    )
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<MemberForm>,
) -> UiResult<Response> {
    let id = MemberId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let before = state.app.get_member(&s.ctx, id).await?;
    let admin = s.ctx.principal.allows(Permission::ManageMembers);
    let result = async {
        let role = f.role()?;
        let active = f.active == "yes";
        let patch = MemberPatch {
            name: Some(f.name.clone()),
            // Only what changed, so a member editing their own profile sends no role.
            role: (role != before.role).then_some(role),
            tz: Some(f.tz.trim().to_string()),
            working_hours: Some(fields::lines(&f.working_hours)).filter(|l| !l.is_empty()),
            weekly_capacity_minutes: fields::hours("weekly_capacity_minutes", &f.capacity_hours)?,
            holidays: Some(fields::items(&f.holidays)),
            holiday_countries: Some(fields::items(&f.holiday_countries)),
            // The signature is the member's own, set on their account page.
            signature: None,
            active: (admin && f.has_active == "yes" && active != before.active).then_some(active),
        };
        state.app.update_member(&s.ctx, id, patch).await
    }
    .await;
    saved_or_refill(result, "/app/members?done=saved", LABELS, |said| {
        form_page(&state, &s, &me, &f, Some(&before), Some(said), &NO_ABSENCE)
    })
    .await
}

pub(super) async fn reinvite(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = MemberId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    match state.app.reinvite_member(&s.ctx, id).await {
        Ok(()) => Ok(Redirect::to("/app/members?done=reinvited").into_response()),
        Err(e) if is_form_error(&e) => {
            let me = me(&state, &s).await?;
            let m = state.app.get_member(&s.ctx, id).await?;
            form_page(
                &state,
                &s,
                &me,
                &MemberForm::of(&m),
                Some(&m),
                Some(say(&e, LABELS)),
                &NO_ABSENCE,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Absences, on the member's page

/// The absence form before anything is typed.
static NO_ABSENCE: AbsenceForm = AbsenceForm {
    csrf: String::new(),
    starts_on: String::new(),
    ends_on: String::new(),
    note: String::new(),
};

/// The absence form as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct AbsenceForm {
    csrf: String,
    starts_on: String,
    ends_on: String,
    note: String,
}

/// The member's absences and the form to add one: shown to the member and to managers, who
/// may record them; others see the list only.
fn absence_section(s: &Session, m: &Member, absences: &[Absence], f: &AbsenceForm) -> Markup {
    let may = s.ctx.principal.member_id() == Some(m.id)
        || s.ctx
            .principal
            .role()
            .is_some_and(|r| r.at_least(Role::Manager));
    html! {
        section id="absences" aria-labelledby="absences-h" {
            h2 id="absences-h" { "Absences" }
            p class="muted" { "Days away (in " (m.tz) ") count as days off: no capacity, no suggested dates, and SLA alerts go to the manager meanwhile." }
            @if absences.is_empty() {
                p { "No absences recorded." }
            } @else {
                ul class="absences" {
                    @for a in absences {
                        li {
                            @if a.starts_on == a.ends_on { (a.starts_on) } @else { (a.starts_on) " to " (a.ends_on) }
                            @if !a.note.is_empty() { " · " (a.note) }
                            @if may {
                                " "
                                form method="post" action={ "/app/absences/" (a.id) "/remove" } class="inline" {
                                    (csrf_field(&s.csrf))
                                    button type="submit" class="secondary" aria-label={ "Remove the absence from " (a.starts_on) } { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
            @if may && m.active {
                form method="post" action={ "/app/members/" (m.id.0) "/absences" } class="stack" id="absence-form" {
                    (csrf_field(&s.csrf))
                    label for="a-start" { "First day away" }
                    input id="a-start" name="starts_on" type="date" required value=(f.starts_on);
                    label for="a-end" { "Last day away" }
                    input id="a-end" name="ends_on" type="date" required value=(f.ends_on);
                    label for="a-note" { "Note (optional)" }
                    input id="a-note" name="note" maxlength="200" autocomplete="off" value=(f.note);
                    button type="submit" { "Record the absence" }
                }
            }
        }
    }
}

pub(super) async fn add_absence(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AbsenceForm>,
) -> UiResult<Response> {
    let id = MemberId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let m = state.app.get_member(&s.ctx, id).await?;
    let input = NewAbsence {
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        note: Some(f.note.clone()),
    };
    let result = state.app.add_absence(&s.ctx, id, input).await;
    let done = format!("/app/members/{}#absences", id.0);
    let profile = MemberForm::of(&m);
    saved_or_refill(result, &done, LABELS, |said| {
        form_page(&state, &s, &me, &profile, Some(&m), Some(said), &f)
    })
    .await
}

pub(super) async fn remove_absence(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    s.check(&f.csrf)?;
    let a = state.app.remove_absence(&s.ctx, id).await?;
    Ok(Redirect::to(&format!("/app/members/{}#absences", a.member_id.0)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The page an invitation opens

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TokenQuery {
    token: String,
}

fn accept_form(csrf: &str, invite: &str, error: Option<&str>) -> Markup {
    bare_page(
        "Join your team",
        html! {
            main id="main" class="narrow" {
                h1 { "Choose your password" }
                p { "You were invited to a Rapport workspace. Choose the password you will sign in with." }
                (fields::notice(error))
                form method="post" action="/app/invite" class="stack" id="accept-invite" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="token" value=(invite);
                    label for="invite-password" { "Password (at least 10 characters)" }
                    input id="invite-password" name="password" type="password" required minlength="10"
                        autocomplete="new-password";
                    button type="submit" { "Set password and sign in" }
                }
            }
        },
    )
}

pub(super) async fn accept_page(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let csrf = random_token();
    with_login_cookie(
        &state,
        &csrf,
        StatusCode::OK,
        accept_form(&csrf, &q.token, None),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AcceptForm {
    csrf: String,
    token: String,
    password: String,
}

pub(super) async fn accept(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<AcceptForm>,
) -> Response {
    let retry = |msg: &str, status: StatusCode| {
        let csrf = random_token();
        with_login_cookie(
            &state,
            &csrf,
            status,
            accept_form(&csrf, &f.token, Some(msg)),
        )
    };
    if !login_csrf_ok(&headers, &f.csrf) {
        return retry(
            "The form expired (stale CSRF token). Please try again.",
            StatusCode::FORBIDDEN,
        );
    }
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    match state
        .app
        .accept_member_invite(
            &f.token,
            &f.password,
            crate::extract::client_ip_from(&ci),
            previous,
        )
        .await
    {
        Ok(signed) => super::signed_in(&state, signed, "/app"),
        Err(e) => {
            let (status, msg) = match &e {
                AppError::Invalid(_) => say(&e, &[("password", "Password")]),
                AppError::NotFound(_) => (
                    StatusCode::NOT_FOUND,
                    "This invitation link is not valid. Ask whoever invited you for a new one."
                        .to_string(),
                ),
                _ => describe(&e),
            };
            retry(&msg, status)
        }
    }
}
