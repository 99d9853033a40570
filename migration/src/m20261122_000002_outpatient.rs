//! The outpatient flow: departments, doctors, patients, schedules, appointments, records and billing.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const DOCTOR_TITLES: &[&str] = &["CHIEF", "ASSOCIATE_CHIEF", "ATTENDING", "RESIDENT"];
const GENDERS: &[&str] = &["MALE", "FEMALE"];
const INSURANCE_TYPES: &[&str] = &["EMPLOYEE", "RESIDENT", "SELF_PAY"];
pub(crate) const ITEM_CATEGORIES: &[&str] = &[
    "REGISTRATION",
    "CONSULTATION",
    "DRUG",
    "LAB",
    "IMAGING",
    "EXAM",
    "TREATMENT",
    "SURGERY",
    "NURSING",
    "MATERIAL",
    "OTHER",
];
const TIME_SLOTS: &[&str] = &["MORNING", "AFTERNOON", "EVENING"];
const SCHEDULE_STATUSES: &[&str] = &["OPEN", "CLOSED", "CANCELLED"];
const APPOINTMENT_STATUSES: &[&str] = &[
    "BOOKED",
    "COMPLETED",
    "BILLED",
    "PAID",
    "CANCELLED",
    "NO_SHOW",
];
const BILLING_STATUSES: &[&str] = &["PENDING", "PAID", "REFUNDED"];
const PAYMENT_METHODS: &[&str] = &["CASH", "CARD", "WECHAT", "ALIPAY", "INSURANCE_CARD"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();

        manager
            .create_table(
                table(b, "department")
                    .col(id())
                    .col(hospital_id())
                    .col(code(b, "code", 32))
                    .col(string("name", 64))
                    .col(string_null("location", 128))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("department"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("department", &["hospital_id", "code"]),
                unique("department", &["hospital_id", "name"]),
            ],
        )
        .await?;

        // user_id links a doctor to the login that may see their own patients; at most one each.
        manager
            .create_table(
                table(b, "doctor")
                    .col(id())
                    .col(hospital_id())
                    .col(big("department_id"))
                    .col(big_null("user_id"))
                    .col(string("name", 64))
                    .col(string("title", 32))
                    .col(string("phone", 20))
                    .col(int("available_slots_per_day"))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("doctor"))
                    .foreign_key(&mut fk("doctor", "department_id", "department"))
                    .foreign_key(&mut fk("doctor", "user_id", "app_user"))
                    .check(enum_check("doctor", "title", DOCTOR_TITLES))
                    .check(non_negative("doctor", "available_slots_per_day"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("doctor", &["user_id"]),
                unique("doctor", &["hospital_id", "phone"]),
                index("doctor", &["hospital_id", "department_id"]),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "patient")
                    .col(id())
                    .col(hospital_id())
                    .col(string("name", 64))
                    .col(string("id_card", 18))
                    .col(string("phone", 20))
                    .col(date("dob"))
                    .col(string("gender", 8))
                    .col(string("insurance_type", 32))
                    .col(string_null("address", 255))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("patient"))
                    .check(enum_check("patient", "gender", GENDERS))
                    .check(enum_check("patient", "insurance_type", INSURANCE_TYPES))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("patient", &["hospital_id", "id_card"]),
                unique("patient", &["hospital_id", "phone"]),
                index("patient", &["hospital_id", "name"]),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "charge_item")
                    .col(id())
                    .col(hospital_id())
                    .col(code(b, "item_code", 64))
                    .col(string("item_name", 128))
                    .col(string("item_category", 16))
                    .col(string_null("unit", 16))
                    .col(big("unit_price"))
                    .col(big_null("executing_department_id"))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("charge_item"))
                    .foreign_key(&mut fk(
                        "charge_item",
                        "executing_department_id",
                        "department",
                    ))
                    .check(enum_check("charge_item", "item_category", ITEM_CATEGORIES))
                    .check(non_negative("charge_item", "unit_price"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("charge_item", &["hospital_id", "item_code"]),
                index("charge_item", &["hospital_id", "item_category"]),
            ],
        )
        .await?;

        // ratio: the share of a bill that insurance pays, in ten-thousandths of the total.
        manager
            .create_table(
                table(b, "insurance_policy")
                    .col(id())
                    .col(hospital_id())
                    .col(string("insurance_type", 32))
                    .col(big("ratio"))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("insurance_policy"))
                    .check(enum_check(
                        "insurance_policy",
                        "insurance_type",
                        INSURANCE_TYPES,
                    ))
                    .check(check(
                        "insurance_policy",
                        "ratio",
                        Expr::col("ratio").between(0, 10_000),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "insurance_policy",
                &["hospital_id", "insurance_type"],
            ))
            .await?;

        // The counters are updated with conditional UPDATEs when booking; the CHECKs are the last
        // line of defence against overbooking if a code path forgets the condition.
        manager
            .create_table(
                table(b, "schedule")
                    .col(id())
                    .col(hospital_id())
                    .col(big("doctor_id"))
                    .col(big("department_id"))
                    .col(date("schedule_date"))
                    .col(string("time_slot", 16))
                    .col(string("room_no", 32))
                    .col(int("capacity"))
                    .col(int("booked_count").default(0))
                    .col(int("last_queue_no").default(0))
                    .col(string("status", 16).default("OPEN"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("schedule"))
                    .foreign_key(&mut fk("schedule", "doctor_id", "doctor"))
                    .foreign_key(&mut fk("schedule", "department_id", "department"))
                    .check(enum_check("schedule", "time_slot", TIME_SLOTS))
                    .check(enum_check("schedule", "status", SCHEDULE_STATUSES))
                    .check(check(
                        "schedule",
                        "booked_count",
                        Expr::col("booked_count")
                            .gte(0)
                            .and(Expr::col("booked_count").lte(Expr::col("capacity"))),
                    ))
                    .check(positive("schedule", "capacity"))
                    // Queue numbers are never reused after a cancellation, so they run ahead of bookings.
                    .check(check(
                        "schedule",
                        "last_queue_no",
                        Expr::col("last_queue_no").gte(Expr::col("booked_count")),
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("schedule", &["doctor_id", "schedule_date", "time_slot"]),
                index(
                    "schedule",
                    &["hospital_id", "schedule_date", "department_id"],
                ),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "appointment")
                    .col(id())
                    .col(hospital_id())
                    .col(big("patient_id"))
                    .col(big("schedule_id"))
                    .col(int("queue_no"))
                    .col(string("status", 16))
                    .col(ts_null(b, "check_in_time"))
                    // When the doctor called the patient in (叫号); the queue board shows the latest per room.
                    .col(ts_null(b, "called_at"))
                    .col(string_null("assigned_room", 32))
                    .col(flag("is_walk_in", false))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("appointment"))
                    .foreign_key(&mut fk("appointment", "patient_id", "patient"))
                    .foreign_key(&mut fk("appointment", "schedule_id", "schedule"))
                    .check(positive("appointment", "queue_no"))
                    .check(enum_check("appointment", "status", APPOINTMENT_STATUSES))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("appointment", &["patient_id", "schedule_id"]),
                unique("appointment", &["schedule_id", "queue_no"]),
                index("appointment", &["hospital_id", "status"]),
                index("appointment", &["schedule_id", "status"]),
            ],
        )
        .await?;

        // prescription holds JSON as text: portable, and only the application reads inside it.
        manager
            .create_table(
                table(b, "medical_record")
                    .col(id())
                    .col(hospital_id())
                    .col(big("appointment_id"))
                    .col(big("doctor_id"))
                    .col(big("patient_id"))
                    .col(text_null("diagnosis"))
                    .col(text_null("treatment"))
                    .col(text_null("prescription"))
                    .col(ts_null(b, "visit_time"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("medical_record"))
                    .foreign_key(&mut fk("medical_record", "appointment_id", "appointment"))
                    .foreign_key(&mut fk("medical_record", "doctor_id", "doctor"))
                    .foreign_key(&mut fk("medical_record", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("medical_record", &["appointment_id"]),
                index("medical_record", &["hospital_id", "doctor_id"]),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "billing")
                    .col(id())
                    .col(hospital_id())
                    .col(big("medical_record_id"))
                    .col(big("appointment_id"))
                    .col(big("total_amount"))
                    .col(big("insurance_amount"))
                    .col(big("self_pay_amount"))
                    .col(string("status", 16))
                    .col(string_null("payment_method", 16))
                    .col(ts_null(b, "paid_at"))
                    // Local calendar dates of payment and refund: the statistics group by them.
                    .col(date_null("paid_on"))
                    .col(ts_null(b, "refunded_at"))
                    .col(date_null("refunded_on"))
                    .col(string_null("refund_reason", 255))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("billing"))
                    .foreign_key(&mut fk("billing", "medical_record_id", "medical_record"))
                    .foreign_key(&mut fk("billing", "appointment_id", "appointment"))
                    .check(enum_check("billing", "status", BILLING_STATUSES))
                    .check(check(
                        "billing",
                        "payment_method",
                        Expr::col("payment_method")
                            .is_null()
                            .or(Expr::col("payment_method").is_in(PAYMENT_METHODS.iter().copied())),
                    ))
                    // Integer amounts make the split exact, so the database can insist on it.
                    .check(check(
                        "billing",
                        "split",
                        Expr::col("total_amount")
                            .eq(Expr::col("insurance_amount").add(Expr::col("self_pay_amount"))),
                    ))
                    .check(non_negative("billing", "total_amount"))
                    .check(non_negative("billing", "insurance_amount"))
                    .check(non_negative("billing", "self_pay_amount"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("billing", &["hospital_id", "status"]),
                // One bill per visit: two cashiers billing the same record race on this key.
                unique("billing", &["medical_record_id"]),
                index("billing", &["hospital_id", "paid_on"]),
                index("billing", &["hospital_id", "refunded_on"]),
            ],
        )
        .await?;

        // Lines copy the catalogue's code, name and price so a bill stays as charged when the
        // catalogue changes; charge_item_id is only a link back.
        manager
            .create_table(
                table(b, "billing_line")
                    .col(id())
                    .col(big("billing_id"))
                    .col(big_null("charge_item_id"))
                    .col(code(b, "item_code", 64))
                    .col(string("item_name", 128))
                    .col(string("item_category", 16))
                    .col(big("unit_price"))
                    .col(big("quantity"))
                    .col(big("amount"))
                    .col(big_null("executing_department_id"))
                    .col(int("sort").default(0))
                    .foreign_key(&mut fk("billing_line", "billing_id", "billing"))
                    .foreign_key(&mut fk("billing_line", "charge_item_id", "charge_item"))
                    .foreign_key(&mut fk(
                        "billing_line",
                        "executing_department_id",
                        "department",
                    ))
                    .check(non_negative("billing_line", "unit_price"))
                    .check(positive("billing_line", "quantity"))
                    .check(non_negative("billing_line", "amount"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("billing_line", &["billing_id"]))
            .await?;

        // Replays of a payment with the same key get the stored response instead of paying twice.
        manager
            .create_table(
                table(b, "payment_request")
                    .col(id())
                    .col(hospital_id())
                    .col(string("idempotency_key", 128))
                    .col(big("billing_id"))
                    .col(string("request_hash", 64))
                    .col(int_null("response_status"))
                    .col(text_null("response_body"))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("payment_request"))
                    .foreign_key(&mut fk("payment_request", "billing_id", "billing"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "payment_request",
                &["hospital_id", "idempotency_key"],
            ))
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "payment_request",
                "billing_line",
                "billing",
                "medical_record",
                "appointment",
                "schedule",
                "insurance_policy",
                "charge_item",
                "patient",
                "doctor",
                "department",
            ],
        )
        .await
    }
}
