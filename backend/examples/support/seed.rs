//! What the benches seed straight into the database: a hospital whose clock says about nine, a department,
//! doctors and patients.
use hospital::{
    domain::foundation::{
        id_card,
        vocab::{DoctorTitle, DocumentType, Gender, InsuranceType},
    },
    entities::{foundation::department, foundation::doctor, foundation::patient},
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

/// A fixed-offset zone where it is about nine in the morning now (`Etc/GMT-9` is nine hours ahead of UTC), so
/// the morning session is open whenever the bench runs.
pub fn zone_at_nine() -> String {
    match 9 - i64::from(chrono::Timelike::hour(&chrono::Utc::now())) {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

pub async fn department(db: &DatabaseConnection, hospital_id: i64) -> department::Model {
    let now = chrono::Utc::now();
    department::ActiveModel {
        hospital_id: Set(hospital_id),
        code: Set("INT".into()),
        name: Set("内科".into()),
        location: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

/// Doctor `k` of the department, signed in as `user_id` when given.
pub async fn doctor(
    db: &DatabaseConnection,
    dept: &department::Model,
    k: usize,
    user_id: Option<i64>,
) -> doctor::Model {
    let now = chrono::Utc::now();
    doctor::ActiveModel {
        hospital_id: Set(dept.hospital_id),
        department_id: Set(dept.id),
        user_id: Set(user_id),
        name: Set(format!("王医生{k}")),
        title: Set(DoctorTitle::Attending),
        phone: Set(format!("139{k:08}")),
        available_slots_per_day: Set(60),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

/// `n` patients with identity cards; answers their ids.
pub async fn patients(db: &DatabaseConnection, hospital_id: i64, n: usize) -> Vec<i64> {
    let now = chrono::Utc::now();
    let rows: Vec<patient::ActiveModel> = (0..n)
        .map(|i| {
            let born = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
                + chrono::Duration::days((i / 1000) as i64);
            let body = format!("110105{}{:03}", born.format("%Y%m%d"), i % 1000);
            let id = format!("{body}{}", id_card::check_char(body.as_bytes()).unwrap());
            patient::ActiveModel {
                hospital_id: Set(hospital_id),
                name: Set(format!("患者{i}")),
                document_type: Set(DocumentType::IdCard),
                document_no: Set(Some(id)),
                phone: Set(format!("138{i:08}")),
                dob: Set(born),
                gender: Set(if i % 2 == 1 {
                    Gender::Male
                } else {
                    Gender::Female
                }),
                insurance_type: Set(InsuranceType::employee()),
                address: Set(None),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    let mut ids = Vec::with_capacity(n);
    for chunk in rows.chunks(200) {
        patient::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    for p in patient::Entity::find()
        .filter(patient::Column::HospitalId.eq(hospital_id))
        .order_by_asc(patient::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        ids.push(p.id);
    }
    ids
}
