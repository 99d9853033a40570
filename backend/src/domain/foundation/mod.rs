//! The values every part of the system shares: money, periods, roles, the vocabularies, identity numbers, phones,
//! passwords, text and masking.
pub mod document;
pub mod id_card;
pub mod masking;
pub mod money;
pub mod password;
pub mod period;
pub mod phone;
pub mod role;
pub mod text;
pub mod vocab;
