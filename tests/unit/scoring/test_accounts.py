"""The account view from tiny lists: what an account is, the ranking (strong, then moderate, then strength
sum, then e-mail) and the people each row names."""

from __future__ import annotations

from datetime import date

import pytest
from chispa import assert_df_equality
from wkw.config import load_settings
from wkw.scoring.accounts import rank_accounts, registrable_domain, with_accounts

AS_OF = date(2026, 11, 26)
ACCOUNTS = load_settings().accounts
LIST_SCHEMA = (
    "contact_email string, contact_name string, contact_company string, colleague_email string, "
    "colleague_name string, colleague_title string, colleague_department string, strength double, "
    "band string, as_of_date date, model_version string, publication_id string"
)
BAND = {"strong": 0.8, "moderate": 0.4, "weak": 0.1}


def row(contact, colleague, band, company="Fabrikam", strength=None):
    name = contact.split("@")[0].title()
    who = colleague.split("@")[0].title()
    value = BAND[band] if strength is None else strength
    return (contact, name, company, colleague, who, "AE", "Sales", value, band, AS_OF, "strength-1", "pub-1")


def account_view(spark, rows):
    return rank_accounts(spark.createDataFrame(rows, LIST_SCHEMA), ACCOUNTS)


def test_colleagues_rank_by_strong_then_moderate_contacts_then_strength_sum(spark):
    rows = [
        # amy: 3 moderate; bo: 1 strong + 1 moderate; cy: 2 strong; dee: 2 strong, smaller sum.
        row("a@fabrikam.com", "amy@contoso.com", "moderate"),
        row("b@fabrikam.com", "amy@contoso.com", "moderate"),
        row("c@fabrikam.com", "amy@contoso.com", "moderate"),
        row("a@fabrikam.com", "bo@contoso.com", "strong"),
        row("d@fabrikam.com", "bo@contoso.com", "moderate"),
        row("b@fabrikam.com", "cy@contoso.com", "strong", strength=0.9),
        row("c@fabrikam.com", "cy@contoso.com", "strong"),
        row("d@fabrikam.com", "cy@contoso.com", "weak"),
        row("a@fabrikam.com", "dee@contoso.com", "strong", strength=0.7),
        row("d@fabrikam.com", "dee@contoso.com", "strong", strength=0.7),
    ]
    got = [
        (r.rank, r.colleague_email, r.strong_contacts, r.moderate_contacts, r.known_contacts, r.strength_sum)
        for r in account_view(spark, rows).orderBy("rank").collect()
    ]
    assert got == [
        (1, "cy@contoso.com", 2, 0, 3, 1.8),
        (2, "dee@contoso.com", 2, 0, 2, 1.4),
        (3, "bo@contoso.com", 1, 1, 2, 1.2),
        (4, "amy@contoso.com", 0, 3, 3, 1.2),
    ]


def test_each_row_names_up_to_three_people_strongest_first(spark):
    rows = [
        row("d@fabrikam.com", "cy@contoso.com", "weak"),
        row("c@fabrikam.com", "cy@contoso.com", "strong"),
        row("a@fabrikam.com", "cy@contoso.com", "moderate"),
        row("b@fabrikam.com", "cy@contoso.com", "strong", strength=0.9),
    ]
    [only] = account_view(spark, rows).collect()
    named = [(p.email, p.name, p.band, p.strength) for p in only.named_contacts]
    assert named == [
        ("b@fabrikam.com", "B", "strong", 0.9),
        ("c@fabrikam.com", "C", "strong", 0.8),
        ("a@fabrikam.com", "A", "moderate", 0.4),
    ]
    assert (only.account, only.account_kind, only.account_domains, only.account_contacts) == (
        "Fabrikam",
        "crm_company",
        ["fabrikam.com"],
        4,
    )
    assert (only.known_contacts, only.publication_id, only.as_of_date) == (4, "pub-1", AS_OF)


def test_the_crm_company_wins_else_the_registrable_domain_and_personal_mail_is_no_account(spark):
    rows = [
        row("ann@fabrikam.com", "amy@contoso.com", "strong"),  # the CRM's company
        row("ben@gmail.com", "amy@contoso.com", "strong"),  # personal, but the CRM places him
        row("cat@eu.litware.co.uk", "amy@contoso.com", "moderate", company=None),
        row("dan@litware.co.uk", "bo@contoso.com", "strong", company=""),
        row("eve@gmail.com", "amy@contoso.com", "strong", company=None),  # no account
        row("fay@mail.yahoo.co.uk", "bo@contoso.com", "strong", company=None),  # no account
        row("gus@sales.proseware.com", "bo@contoso.com", "weak", company=None),
    ]
    got = sorted(
        (r.account, r.account_kind, r.colleague_email, tuple(p.email for p in r.named_contacts))
        for r in account_view(spark, rows).collect()
    )
    assert got == [
        ("Fabrikam", "crm_company", "amy@contoso.com", ("ann@fabrikam.com", "ben@gmail.com")),
        ("litware.co.uk", "domain", "amy@contoso.com", ("cat@eu.litware.co.uk",)),
        ("litware.co.uk", "domain", "bo@contoso.com", ("dan@litware.co.uk",)),
        ("proseware.com", "domain", "bo@contoso.com", ("gus@sales.proseware.com",)),
    ]
    fabrikam = account_view(spark, rows).where("account = 'Fabrikam'").first()
    assert fabrikam.account_domains == ["fabrikam.com"]  # gmail.com is nobody's account domain


@pytest.mark.parametrize(
    "domain, registrable",
    [
        ("fabrikam.com", "fabrikam.com"),
        ("sales.eu.fabrikam.com", "fabrikam.com"),
        ("fabrikam.co.uk", "fabrikam.co.uk"),
        ("mail.fabrikam.co.uk", "fabrikam.co.uk"),
        ("co.uk", "co.uk"),
        ("localhost", "localhost"),
    ],
)
def test_the_registrable_domain_rule(spark, domain, registrable):
    frame = spark.createDataFrame([(domain,)], "domain string")
    got = frame.select(registrable_domain(frame["domain"], ACCOUNTS.multi_label_suffixes).alias("r")).first()
    assert got.r == registrable


def test_with_accounts_keeps_every_row_and_labels_it(spark):
    rows = [row("eve@gmail.com", "amy@contoso.com", "strong", company=None)]
    frame = spark.createDataFrame(rows, LIST_SCHEMA)
    expected = frame.selectExpr(
        "*",
        "CAST(NULL AS STRING) AS account",
        "CAST(NULL AS STRING) AS account_kind",
        "CAST(NULL AS STRING) AS account_domain",
    )
    assert_df_equality(with_accounts(frame, ACCOUNTS), expected, ignore_nullable=True)


def test_the_same_list_in_another_order_gives_the_same_view(spark):
    rows = [
        row(f"p{i}@fabrikam.com", f"c{i % 3}@contoso.com", "strong", strength=0.6 + i / 1000)
        for i in range(9)
    ]
    one = account_view(spark, rows)
    other = account_view(spark, list(reversed(rows))).repartition(3)
    assert_df_equality(one, other, ignore_row_order=True)
