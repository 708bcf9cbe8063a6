//! Stage 1: the address directory and the location tree, city → street →
//! house → entrance, with directory codes no location uses yet.

use super::words::{CITIES, STREETS};
use super::{ts, Gen};
use crate::backend::bulk::{insert, next_id};
use sea_orm::{DbErr, Value};

/// A house and its four entrances.
pub(super) struct House {
    pub entrance_location_ids: Vec<i64>,
    pub entrance_csas: Vec<String>,
    pub address: String,
}

/// What the later stages place things in.
pub(super) struct Places {
    pub houses: Vec<House>,
    pub city_loc_ids: Vec<i64>,
    pub street_loc_ids: Vec<i64>,
}

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    pub(super) async fn places(&mut self) -> Result<Places, DbErr> {
        let (db, size, epoch) = (self.db, self.size, self.epoch);
        // Address directory and location tree: city -> street -> house -> entrance.
        let houses_per_street = (size.users / 40 / (CITIES.len() as u64 * STREETS.len() as u64)).max(2);
        let mut loc_id = next_id(db, "locations").await?;
        let mut locs = vec![];
        let mut dir = vec![];
        let mut houses = vec![];
        let mut city_loc_ids = vec![];
        let mut street_loc_ids = vec![];
        for (cc, city) in CITIES {
            let city_id = loc_id;
            loc_id += 1;
            city_loc_ids.push(city_id);
            let city_path = format!("/{city_id}/");
            locs.push(vec![
                city_id.into(),
                Value::from(None::<i64>),
                Value::from(None::<String>),
                "city".into(),
                city.to_string().into(),
                city_path.clone().into(),
                ts(epoch),
                city.to_string().into(),
            ]);
            for (si, street) in STREETS.iter().enumerate() {
                let street_id = loc_id;
                loc_id += 1;
                street_loc_ids.push(street_id);
                let street_path = format!("{city_path}{street_id}/");
                locs.push(vec![
                    street_id.into(),
                    city_id.into(),
                    Value::from(None::<String>),
                    "street".into(),
                    street.to_string().into(),
                    street_path.clone().into(),
                    ts(epoch),
                    format!("{city}, {street}").into(),
                ]);
                for h in 1..=houses_per_street {
                    let house_id = loc_id;
                    loc_id += 1;
                    let house_csa = format!("{cc}-{:03}-{:04}", si + 1, h);
                    let house_path = format!("{street_path}{house_id}/");
                    locs.push(vec![
                        house_id.into(),
                        street_id.into(),
                        house_csa.clone().into(),
                        "house".into(),
                        h.to_string().into(),
                        house_path.clone().into(),
                        ts(epoch),
                        format!("{city}, {street}, {h}").into(),
                    ]);
                    dir.push(vec![
                        house_csa.clone().into(),
                        city.to_string().into(),
                        street.to_string().into(),
                        h.to_string().into(),
                        Value::from(None::<String>),
                    ]);
                    let mut house = House {
                        entrance_location_ids: vec![],
                        entrance_csas: vec![],
                        address: format!("{city}, {street} {h}"),
                    };
                    for e in 1..=4 {
                        let ent_id = loc_id;
                        loc_id += 1;
                        let csa = format!("{house_csa}-{e}");
                        locs.push(vec![
                            ent_id.into(),
                            house_id.into(),
                            csa.clone().into(),
                            "entrance".into(),
                            format!("Entrance {e}").into(),
                            format!("{house_path}{ent_id}/").into(),
                            ts(epoch),
                            format!("{city}, {street}, {h}, Entrance {e}").into(),
                        ]);
                        dir.push(vec![
                            csa.clone().into(),
                            city.to_string().into(),
                            street.to_string().into(),
                            h.to_string().into(),
                            e.to_string().into(),
                        ]);
                        house.entrance_location_ids.push(ent_id);
                        house.entrance_csas.push(csa);
                    }
                    houses.push(house);
                }
            }
        }
        // Directory codes billing may send that no demo location uses yet.
        for i in 1..=20 {
            dir.push(vec![
                format!("77-900-{i:04}").into(),
                "Moscow".into(),
                "Novaya Moskva St".into(),
                i.to_string().into(),
                Value::from(None::<String>),
            ]);
        }
        let n_locs = locs.len() as u64;
        insert(db, "address_directory", &["csa", "city", "street", "house", "entrance"], dir).await?;
        insert(
            db,
            "locations",
            &["id", "parent_id", "csa", "kind", "name", "path", "created_at", "address"],
            locs,
        )
        .await?;
        (self.progress)("locations", n_locs, n_locs);
        Ok(Places {
            houses,
            city_loc_ids,
            street_loc_ids,
        })
    }
}
