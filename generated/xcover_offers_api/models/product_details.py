from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProductDetails")


@_attrs_define
class ProductDetails:
    """
    Attributes:
        finance (Finance):
        policy_version_id (str | Unset):
        start_date (datetime.datetime | None | Unset):
        end_date (datetime.datetime | None | Unset):
        pds_url (str | Unset):
        files (list[ProductFile] | Unset):
        extra_fields (ProductExtraFields | Unset): Event-ticketing-specific computed fields about the resulting policy.
        experiment (list[Experiment] | Unset): Experiment metadata. Returned as an array (may be empty).
        benefits (list[Benefit] | Unset):
    """

    finance: Finance
    policy_version_id: str | Unset = UNSET
    start_date: datetime.datetime | None | Unset = UNSET
    end_date: datetime.datetime | None | Unset = UNSET
    pds_url: str | Unset = UNSET
    files: list[ProductFile] | Unset = UNSET
    extra_fields: ProductExtraFields | Unset = UNSET
    experiment: list[Experiment] | Unset = UNSET
    benefits: list[Benefit] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        finance = self.finance.to_dict()

        policy_version_id = self.policy_version_id

        start_date: None | str | Unset
        if isinstance(self.start_date, Unset):
            start_date = UNSET
        elif isinstance(self.start_date, datetime.datetime):
            start_date = self.start_date.isoformat()
        else:
            start_date = self.start_date

        end_date: None | str | Unset
        if isinstance(self.end_date, Unset):
            end_date = UNSET
        elif isinstance(self.end_date, datetime.datetime):
            end_date = self.end_date.isoformat()
        else:
            end_date = self.end_date

        pds_url = self.pds_url

        files: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.files, Unset):
            files = []
            for files_item_data in self.files:
                files_item = files_item_data.to_dict()
                files.append(files_item)

        extra_fields: dict[str, Any] | Unset = UNSET
        if not isinstance(self.extra_fields, Unset):
            extra_fields = self.extra_fields.to_dict()

        experiment: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.experiment, Unset):
            experiment = []
            for experiment_item_data in self.experiment:
                experiment_item = experiment_item_data.to_dict()
                experiment.append(experiment_item)

        benefits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.benefits, Unset):
            benefits = []
            for benefits_item_data in self.benefits:
                benefits_item = benefits_item_data.to_dict()
                benefits.append(benefits_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "finance": finance,
            }
        )
        if policy_version_id is not UNSET:
            field_dict["policy_version_id"] = policy_version_id
        if start_date is not UNSET:
            field_dict["start_date"] = start_date
        if end_date is not UNSET:
            field_dict["end_date"] = end_date
        if pds_url is not UNSET:
            field_dict["pds_url"] = pds_url
        if files is not UNSET:
            field_dict["files"] = files
        if extra_fields is not UNSET:
            field_dict["extra_fields"] = extra_fields
        if experiment is not UNSET:
            field_dict["experiment"] = experiment
        if benefits is not UNSET:
            field_dict["benefits"] = benefits

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        finance = Finance.from_dict(d.pop("finance"))

        policy_version_id = d.pop("policy_version_id", UNSET)

        def _parse_start_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_date_type_0 = datetime.datetime.fromisoformat(data)

                return start_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        start_date = _parse_start_date(d.pop("start_date", UNSET))

        def _parse_end_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_date_type_0 = datetime.datetime.fromisoformat(data)

                return end_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        end_date = _parse_end_date(d.pop("end_date", UNSET))

        pds_url = d.pop("pds_url", UNSET)

        _files = d.pop("files", UNSET)
        files: list[ProductFile] | Unset = UNSET
        if _files is not UNSET:
            files = []
            for files_item_data in _files:
                files_item = ProductFile.from_dict(files_item_data)

                files.append(files_item)

        _extra_fields = d.pop("extra_fields", UNSET)
        extra_fields: ProductExtraFields | Unset
        if isinstance(_extra_fields, Unset):
            extra_fields = UNSET
        else:
            extra_fields = ProductExtraFields.from_dict(_extra_fields)

        _experiment = d.pop("experiment", UNSET)
        experiment: list[Experiment] | Unset = UNSET
        if _experiment is not UNSET:
            experiment = []
            for experiment_item_data in _experiment:
                experiment_item = Experiment.from_dict(experiment_item_data)

                experiment.append(experiment_item)

        _benefits = d.pop("benefits", UNSET)
        benefits: list[Benefit] | Unset = UNSET
        if _benefits is not UNSET:
            benefits = []
            for benefits_item_data in _benefits:
                benefits_item = Benefit.from_dict(benefits_item_data)

                benefits.append(benefits_item)

        product_details = cls(
            finance=finance,
            policy_version_id=policy_version_id,
            start_date=start_date,
            end_date=end_date,
            pds_url=pds_url,
            files=files,
            extra_fields=extra_fields,
            experiment=experiment,
            benefits=benefits,
        )

        product_details.additional_properties = d
        return product_details

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


# After the class, so that models which refer to each other still import.
from ..models.benefit import Benefit
from ..models.experiment import Experiment
from ..models.finance import Finance
from ..models.product_extra_fields import ProductExtraFields
from ..models.product_file import ProductFile
