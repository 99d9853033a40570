//! The `doctor` table.
use crate::domain::foundation::vocab::DoctorTitle;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "doctor")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub department_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub title: DoctorTitle,
    pub phone: String,
    pub available_slots_per_day: i32,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "crate::entities::foundation::department::Entity",
        from = "Column::DepartmentId",
        to = "crate::entities::foundation::department::Column::Id"
    )]
    Department,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<crate::entities::foundation::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}
