import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from core.crypto.fields import BlindIndexField, EncryptedTextField, blind_lookup
from core.crypto.keyring import blind_index

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def resident_model(audit_flushable):
    """A throwaway model shaped like a later customer table: NIK and phone with indexes."""
    with isolate_apps("core.crypto"):

        class Resident(models.Model):
            name = models.CharField(max_length=50)
            nik = EncryptedTextField(blank=True, default="")
            nik_bidx = BlindIndexField(source="nik", normaliser="digits")
            phone = EncryptedTextField(blank=True, default="")
            phone_bidx = BlindIndexField(source="phone")

            class Meta:
                app_label = "crypto"

        with connection.schema_editor() as editor:
            editor.create_model(Resident)
        yield Resident
        with connection.schema_editor() as editor:
            editor.delete_model(Resident)


def _raw(model, pk, column):
    with connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_save_fills_the_index_with_the_column_bound_hmac(resident_model):
    # when
    resident = resident_model.objects.create(name="Budi", nik="3201 0101 0101 0001")

    # then
    expected = blind_index("3201010101010001", context="crypto.resident.nik", normaliser="digits")
    assert _raw(resident_model, resident.pk, "nik_bidx") == expected
    assert resident.nik_bidx == expected
    assert _raw(resident_model, resident.pk, "nik").startswith("t1$")
    assert _raw(resident_model, resident.pk, "phone_bidx") is None


def test_blind_lookup_finds_exact_matches_after_normalisation(resident_model):
    # given
    budi = resident_model.objects.create(name="Budi", nik="3201010101010001", phone="Kantor A")
    resident_model.objects.create(name="Siti", nik="3201010101010002", phone="Kantor B")

    # when / then
    assert list(blind_lookup(resident_model.objects.all(), "nik", "3201-0101-0101-0001")) == [budi]
    assert list(blind_lookup(resident_model.objects.all(), "phone", "  kantor   a ")) == [budi]
    assert list(blind_lookup(resident_model.objects.all(), "nik", "3201010101019999")) == []


def test_blind_lookup_of_an_empty_value_matches_nothing(resident_model):
    resident_model.objects.create(name="Tanpa NIK", nik="")

    assert list(blind_lookup(resident_model.objects.all(), "nik", "")) == []
    assert list(blind_lookup(resident_model.objects.all(), "nik", " - ")) == []


def test_changing_the_value_and_saving_moves_the_index(resident_model):
    # given
    resident = resident_model.objects.create(name="Budi", nik="3201010101010001")

    # when
    resident.nik = "3201010101010009"
    resident.save(update_fields=["nik", "nik_bidx"])

    # then
    assert list(blind_lookup(resident_model.objects.all(), "nik", "3201010101010001")) == []
    assert list(blind_lookup(resident_model.objects.all(), "nik", "3201010101010009")) == [resident]


def test_saving_the_source_without_its_index_is_refused_and_changes_nothing(resident_model):
    # given
    resident = resident_model.objects.create(name="Budi", nik="3201010101010001")
    before = (_raw(resident_model, resident.pk, "nik"), resident.nik_bidx)

    # when
    resident.nik = "3201010101010009"
    with pytest.raises(ValueError, match="would leave the blind index stale"):
        resident.save(update_fields=["nik"])

    # then
    assert (
        _raw(resident_model, resident.pk, "nik"),
        _raw(resident_model, resident.pk, "nik_bidx"),
    ) == before


def test_bulk_create_fills_the_index(resident_model):
    resident_model.objects.bulk_create([resident_model(name="Ani", phone="Rumah")])

    assert [r.name for r in blind_lookup(resident_model.objects.all(), "phone", "RUMAH")] == ["Ani"]


def test_blind_lookup_refuses_a_field_without_an_index(resident_model):
    with pytest.raises(TypeError, match="Resident.name has no blind index"):
        blind_lookup(resident_model.objects.all(), "name", "Budi")


def test_system_checks_catch_a_misdeclared_index():
    with isolate_apps("core.crypto"):

        class Misdeclared(models.Model):
            name = models.CharField(max_length=50)
            phone = EncryptedTextField()
            contact_bidx = BlindIndexField(source="name")

            class Meta:
                app_label = "crypto"

        ids = [error.id for error in Misdeclared._meta.get_field("contact_bidx").check()]

    assert ids == ["crypto.E001", "crypto.E002"]


def test_a_well_declared_index_passes_the_checks(resident_model):
    assert resident_model._meta.get_field("nik_bidx").check() == []


def test_an_unknown_normaliser_is_refused():
    with pytest.raises(ValueError, match="Unknown blind-index normaliser 'soundex'"):
        BlindIndexField(source="nik", normaliser="soundex")


def test_deconstruct_keeps_only_what_the_migration_needs():
    field = BlindIndexField(source="nik", normaliser="digits")
    field.set_attributes_from_name("nik_bidx")

    _, path, args, kwargs = field.deconstruct()

    assert (path, args, kwargs) == (
        "core.crypto.fields.BlindIndexField",
        [],
        {"source": "nik", "normaliser": "digits"},
    )
