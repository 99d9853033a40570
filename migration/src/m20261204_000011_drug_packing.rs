//! What a pharmacy needs to count a prescription: a catalogue item may say the dose each of its smallest units
//! holds (`unit_dose` ten-thousandths of `dose_unit`) and how many units its pack holds (`pack_units`).
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "charge_item";
const COLUMNS: [&str; 3] = ["dose_unit", "unit_dose", "pack_units"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_null(COLUMNS[0], 16),
            big_null(COLUMNS[1]),
            int_null(COLUMNS[2]),
        ] {
            manager
                .alter_table(Table::alter().table(TABLE).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(Table::alter().table(TABLE).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
