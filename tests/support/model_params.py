"""Fixed model parameters for hand-computed tests: independent of conf/wkw.toml, so retuning the
defaults never silently changes what the tests pin."""

MODEL = {
    "version": "test-1",
    "half_life_days": 60.0,
    "weight_mail_sent": 1.0,
    "weight_mail_received": 0.6,
    "weight_meeting": 1.5,
    "weight_call": 2.0,
    "audience_damping": 0.5,
    "one_way_factor": 0.35,
    "saturation": 4.0,
    "lookback_days": 365,
}
BANDS = {"strong": 0.6, "moderate": 0.3}
