"""Water authorities (clients), their properties and their customers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto.fields import BlindIndexField, EncryptedTextField


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class ServiceFeeType(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage of each top-up")
    FIXED = "fixed", _("Fixed amount per top-up")


class Client(models.Model):
    """A water authority's profile and billing rules; one per water-authority tenant."""

    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="water_client"
    )
    legal_name = models.CharField(max_length=200)
    npwp = models.CharField("NPWP", max_length=16, help_text="Tax id: 15 or 16 digits.")
    contact_name = models.CharField(max_length=150)
    contact_email = models.EmailField()
    contact_phone = EncryptedTextField(blank=True, default="")
    address = models.CharField(max_length=300, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    province = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=10, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    timezone = models.CharField(max_length=64, default="Asia/Jakarta")
    service_fee_type = models.CharField(
        max_length=16, choices=ServiceFeeType.choices, default=ServiceFeeType.PERCENTAGE
    )
    # Basis points for a percentage (250 = 2.5 %), whole Rupiah for a fixed fee.
    service_fee_value = models.PositiveIntegerField(default=250)
    # Prepaid rules: a low-balance alert below this balance (IDR).
    low_balance_threshold_idr = models.PositiveBigIntegerField(default=10_000)
    # Friendly credit: never disconnect in this local window, on Sundays or on holidays.
    no_disconnect_from = models.TimeField(default="18:00")
    no_disconnect_until = models.TimeField(default="07:00")
    no_disconnect_sundays = models.BooleanField(default=True)
    # Optional emergency credit: the valve stays open until the balance falls below -this.
    emergency_credit_idr = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class ClientHoliday(models.Model):
    """A day on which nobody's water is disconnected (friendly credit)."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "date"], name="uniq_client_holiday")
        ]
        ordering = ["date"]


class PropertyType(models.TextChoices):
    HOUSE = "house", _("House")
    RENTAL_HOME = "rental_home", _("Rental home")
    BOARDING_HOUSE = "boarding_house", _("Boarding house (kos)")
    APARTMENT = "apartment", _("Apartment")
    DORMITORY = "dormitory", _("Dormitory")
    SHOP_HOUSE = "shop_house", _("Shop house (ruko)")
    OFFICE_BUILDING = "office_building", _("Office building")
    SHOPPING_CENTER = "shopping_center", _("Shopping centre")
    WAREHOUSE = "warehouse", _("Warehouse")
    FACTORY = "factory", _("Factory")
    HOTEL = "hotel", _("Hotel")
    RESTAURANT = "restaurant", _("Restaurant")
    HOSPITAL = "hospital", _("Hospital or clinic")
    SCHOOL = "school", _("School")
    PLACE_OF_WORSHIP = "place_of_worship", _("Place of worship")
    GOVERNMENT = "government", _("Government building")
    OTHER = "other", _("Other")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NEEDS_UPDATE = "needs_update", _("Needs update")


class Property(models.Model):
    """A served building; meters are installed at a property once it is approved."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    property_type = models.CharField(max_length=32, choices=PropertyType.choices)
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=100)
    province = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=10, blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    verification_notes = models.TextField(blank=True, default="")
    # When the verification status last changed: the review queue serves the longest waiting.
    verification_status_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="uniq_property_code")
        ]
        ordering = ["code"]
        verbose_name_plural = "properties"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PropertyEvent(models.Model):
    """One step of a property's verification history."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class DocumentType(models.TextChoices):
    OWNERSHIP_CERTIFICATE = "ownership_certificate", _("Ownership certificate")
    BUILDING_PERMIT = "building_permit", _("Building permit (PBG/IMB)")
    TAX_CERTIFICATE = "tax_certificate", _("Land and building tax (PBB)")
    BUSINESS_LICENSE = "business_license", _("Business licence (NIB)")
    WATER_CONNECTION_PERMIT = "water_connection_permit", _("Water connection permit")
    FLOOR_PLAN = "floor_plan", _("Floor plan")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class PropertyDocument(models.Model):
    """A file supporting a property's verification."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=32, choices=DocumentType.choices)
    file = models.FileField(upload_to="property-documents/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CustomerClass(models.TextChoices):
    """The tariff class a customer is billed under."""

    SOCIAL = "social", _("Social")
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    INDUSTRIAL = "industrial", _("Industrial")
    GOVERNMENT = "government", _("Government")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    SUSPENDED = "suspended", _("Suspended")


class Customer(models.Model):
    """A household or business served by a water authority. NIK is encrypted at rest."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    customer_number = models.CharField(max_length=32)
    full_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    nik = EncryptedTextField("NIK", blank=True, default="")
    nik_bidx = BlindIndexField(source="nik", normaliser="digits")
    address = models.CharField(max_length=300, blank=True, default="")
    customer_class = models.CharField(
        max_length=16, choices=CustomerClass.choices, default=CustomerClass.RESIDENTIAL
    )
    status = models.CharField(
        max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="water_customers",
        help_text="The portal account of this customer, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer_number"], name="uniq_customer_number"
            )
        ]
        ordering = ["customer_number"]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.full_name}"
