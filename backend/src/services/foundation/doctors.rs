//! Doctors (医生): who sees patients, in which department, with which title (it sets the registration fee).
use crate::services::{
    Actor, Page, PageRequest, fetch_page,
    foundation::departments,
    foundation::reference::{Reference, UniqueKey},
    like_pattern, sort_by,
};
use crate::{
    domain::{
        foundation::phone::MobilePhone, foundation::role::Role, foundation::vocab::DoctorTitle,
    },
    entities::{foundation::app_user, foundation::doctor},
    error::{AppError, Conflict, ConflictResource},
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};

#[derive(Debug, Clone)]
pub struct DoctorInput {
    pub name: String,
    pub department_id: i64,
    pub title: DoctorTitle,
    pub phone: MobilePhone,
    pub available_slots_per_day: i32,
    pub user_id: Option<i64>,
    pub is_active: bool,
}

#[derive(Debug, Default, Clone)]
pub struct DoctorFilter {
    pub q: Option<String>,
    pub department_id: Option<i64>,
    pub title: Option<DoctorTitle>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

impl Reference for doctor::Entity {
    type Input = DoctorInput;

    fn unique_keys() -> &'static [UniqueKey<doctor::Column>] {
        const KEYS: &[UniqueKey<doctor::Column>] = &[
            UniqueKey::new(
                "phone",
                "is already used by another doctor",
                &[doctor::Column::Phone],
            ),
            UniqueKey::new(
                "user_id",
                "is already linked to another doctor",
                &[doctor::Column::UserId],
            ),
        ];
        KEYS
    }

    /// References must point into the caller's hospital: an active department, and a DOCTOR user.
    async fn check(
        txn: &DatabaseTransaction,
        actor: &Actor,
        _before: Option<&doctor::Model>,
        input: &DoctorInput,
    ) -> Result<(), AppError> {
        departments::require_active(txn, actor, input.department_id, "department_id").await?;
        let Some(user_id) = input.user_id else {
            return Ok(());
        };
        let user = app_user::Entity::find_by_id(user_id)
            .filter(app_user::Column::HospitalId.eq(actor.hospital_id))
            .one(txn)
            .await?;
        match user {
            None => Err(AppError::invalid("user_id", "no such user")),
            Some(u) if u.role != Role::Doctor => Err(AppError::invalid(
                "user_id",
                "the user's role is not DOCTOR",
            )),
            Some(_) => Ok(()),
        }
    }

    fn fill(row: &mut doctor::ActiveModel, input: DoctorInput) {
        row.department_id = Set(input.department_id);
        row.user_id = Set(input.user_id);
        row.name = Set(input.name);
        row.title = Set(input.title);
        row.phone = Set(input.phone.as_str().to_owned());
        row.available_slots_per_day = Set(input.available_slots_per_day);
        row.is_active = Set(input.is_active);
    }

    fn conflict(holder: &doctor::Model) -> Conflict {
        Conflict::named(ConflictResource::Doctor, holder.id, None, &holder.name)
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: DoctorFilter,
    page: PageRequest,
) -> Result<Page<doctor::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("name", doctor::Column::Name),
            ("title", doctor::Column::Title),
            ("created_at", doctor::Column::CreatedAt),
        ],
    )?;
    let mut select =
        doctor::Entity::find().filter(doctor::Column::HospitalId.eq(actor.hospital_id));
    if let Some(d) = f.department_id {
        select = select.filter(doctor::Column::DepartmentId.eq(d));
    }
    if let Some(t) = f.title {
        select = select.filter(doctor::Column::Title.eq(t.as_str()));
    }
    if let Some(active) = f.is_active {
        select = select.filter(doctor::Column::IsActive.eq(active));
    }
    if let Some(q) = crate::services::search_term(f.q.as_deref())? {
        select = select.filter(
            Condition::any()
                .add(doctor::Column::Name.like(like_pattern(q)))
                .add(doctor::Column::Phone.eq(q)),
        );
    }
    fetch_page(db, select, order, doctor::Column::Id, page).await
}
