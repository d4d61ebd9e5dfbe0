import time, random
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from leads.crm_import import crm_import_create, crm_import_run
from leads.models import Account, Opportunity
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

def make(n, suffix=""):
    rows = ["external_id,name,website,country,industry,sales_owner_email,strategic,customer"]
    for i in range(n):
        rows.append(f"ACC-{i:06d},Company {i} GmbH{suffix},https://www.company{i}.example.com,DE,Software,s@v.test,{'yes' if i%10==0 else 'no'},{i%2}")
    return ("\n".join(rows) + "\n").encode()

def opps(n, accounts):
    rows = ["external_id,account_external_id,name,stage,owner_email,amount,close_date"]
    for i in range(n):
        rows.append(f"OPP-{i:06d},ACC-{i % accounts:06d},Deal {i},proposal,s@v.test,{i}.50,2026-05-01")
    return ("\n".join(rows) + "\n").encode()

def run(kind, data):
    t = time.perf_counter()
    ci = crm_import_create(actor=None, kind=kind, run_in_worker=False, uploaded_file=SimpleUploadedFile("a.csv", data))
    ci = crm_import_run(import_id=ci.pk)
    dt = time.perf_counter() - t
    print(f"{kind} {ci.total_rows} rows: {dt:.2f}s ({ci.total_rows/dt:.0f} rows/s) c={ci.created_count} u={ci.updated_count} n={ci.unchanged_count} bad={len(ci.error_rows)}")

@pytest.mark.parametrize("n", [20000, 100000])
def test_bench(n, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    StaffFactory(email="s@v.test")
    run("accounts", make(n))
    run("accounts", make(n))
    run("accounts", make(n, " X"))
    run("opportunities", opps(n, n))
    run("opportunities", opps(n, n))
