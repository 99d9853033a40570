//! Outpatient statistics (to be written).
