//! The words the demo data is made of.

pub(super) const FIRST: &[&str] = &[
    "Anna", "Boris", "Dmitry", "Elena", "Fedor", "Galina", "Igor", "Irina", "Kirill", "Ludmila", "Maxim", "Natalia", "Oleg", "Olga",
    "Pavel", "Svetlana", "Sergey", "Tatiana", "Viktor", "Yulia",
];
pub(super) const LAST: &[&str] = &[
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Petrov",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
    "Semenov",
    "Egorov",
    "Pavlov",
    "Kozlov",
    "Stepanov",
    "Nikolaev",
];
pub(super) const COMPANIES: &[&str] = &[
    "Bakery",
    "Pharmacy",
    "Auto service",
    "Dental clinic",
    "Flower shop",
    "Warehouse",
    "Cafe",
    "Hardware store",
];
pub(super) const CITIES: &[(&str, &str)] = &[("77", "Moscow"), ("16", "Kazan"), ("63", "Samara")];
pub(super) const STREETS: &[&str] = &[
    "Lenina St",
    "Mira Ave",
    "Sadovaya St",
    "Gagarina St",
    "Pushkina St",
    "Sovetskaya St",
    "Lesnaya St",
    "Shkolnaya St",
    "Molodezhnaya St",
    "Tsentralnaya St",
    "Naberezhnaya St",
    "Zelenaya St",
    "Polevaya St",
    "Novaya St",
    "Rechnaya St",
    "Parkovaya St",
    "Kirova St",
    "Chekhova St",
    "Tolstogo St",
    "Lermontova St",
];
pub(super) const TARIFFS: &[&str] = &["Home Video 1", "Home Video 3", "Home Video 7", "Business 30", "Business 90"];
pub(super) const CAMERA_PLACES: &[&str] = &[
    "Entrance",
    "Yard",
    "Parking",
    "Hall",
    "Gate",
    "Staircase",
    "Shop floor",
    "Back door",
];
pub(super) const CAMERA_MODELS: &[&str] = &["Hikvision DS-2CD2043", "Dahua IPC-HFW2431", "Axis M3106", "Uniview IPC322"];
