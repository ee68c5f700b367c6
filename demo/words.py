"""Word lists the demo data is built from.

Kept apart from the generators so that tuning a list is obviously a data
change. Editing any list changes the generated data (ids stay the same).
"""

from __future__ import annotations

from typing import Final

# (noun, category id). Several nouns share a word ("Shoe", "Lamp", "Chair",
# "Jacket", "Bag") so that searching for it matches hundreds of products.
NOUNS: Final[tuple[tuple[str, str], ...]] = (
    ("Running Shoe", "c-footwear"),
    ("Trail Shoe", "c-footwear"),
    ("Canvas Sneaker", "c-footwear"),
    ("Leather Boot", "c-footwear"),
    ("Sandal", "c-footwear"),
    ("Desk Lamp", "c-lighting"),
    ("Floor Lamp", "c-lighting"),
    ("Pendant Light", "c-lighting"),
    ("Lantern", "c-lighting"),
    ("Dining Chair", "c-furniture"),
    ("Office Chair", "c-furniture"),
    ("Bookshelf", "c-furniture"),
    ("Side Table", "c-furniture"),
    ("Rain Jacket", "c-apparel"),
    ("Down Jacket", "c-apparel"),
    ("Hoodie", "c-apparel"),
    ("Wool Sweater", "c-apparel"),
    ("T-Shirt", "c-apparel"),
    ("Coffee Mug", "c-kitchen"),
    ("Teapot", "c-kitchen"),
    ("Chef Knife", "c-kitchen"),
    ("Cutting Board", "c-kitchen"),
    ("Water Bottle", "c-kitchen"),
    ("Backpack", "c-bags"),
    ("Tote Bag", "c-bags"),
    ("Duffel Bag", "c-bags"),
    ("Headphones", "c-electronics"),
    ("Bluetooth Speaker", "c-electronics"),
    ("Smart Watch", "c-electronics"),
    ("Tent", "c-outdoor"),
    ("Sleeping Bag", "c-outdoor"),
    ("Camping Stove", "c-outdoor"),
)

ADJECTIVES: Final[tuple[str, ...]] = (
    "Classic", "Modern", "Vintage", "Ultralight", "Cozy", "Rugged", "Sleek",
    "Compact", "Deluxe", "Essential", "Premium", "Breezy", "Urban", "Heritage",
    "Nordic", "Coastal", "Everyday", "Bold", "Minimal", "Lunar", "Solar",
    "Arctic", "Velvet", "Copper",
)

BRANDS: Final[tuple[str, ...]] = (
    "Acme", "Northwind", "Lumen", "Stride", "Hearth & Co", "Fjell", "Orbit",
    "Pinecrest", "Maison Bleu", "Kestrel", "Tidewater", "Ironbark",
)

COLORS: Final[tuple[str, ...]] = (
    "Slate", "Sand", "Forest", "Navy", "Charcoal", "Ivory", "Rust", "Sage",
    "Ochre", "Midnight", "Coral", "Stone",
)

# "Titanium" is deliberately rare: searching for it gives a short result list.
MATERIALS: Final[tuple[tuple[str, int], ...]] = (
    ("recycled polyester", 12),
    ("full-grain leather", 10),
    ("organic cotton", 12),
    ("brushed steel", 8),
    ("solid oak", 8),
    ("glazed ceramic", 8),
    ("merino wool", 10),
    ("bamboo", 8),
    ("anodised aluminium", 8),
    ("titanium", 1),
)

FEATURES: Final[tuple[str, ...]] = (
    "Machine washable.",
    "Two-year warranty.",
    "Ships in plastic-free packaging.",
    "Water-resistant finish.",
    "Designed in Oslo, made to last.",
    "Backed by our lifetime repair programme.",
    "Tested in the field by our product team.",
    "Certified fair-trade production.",
)

FIRST_NAMES: Final[tuple[str, ...]] = (
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
    "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Katherine", "Donald",
    "Sophie", "Guido", "Annie", "Bjarne", "Joan", "Niklaus", "Lynn", "Yukihiro",
    "Mary", "James", "Shafi", "Leslie", "Karen", "Rasmus",
)

LAST_NAMES: Final[tuple[str, ...]] = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov",
    "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr",
    "McCarthy", "Johnson", "Knuth", "Wilson", "van Rossum", "Easley",
    "Stroustrup", "Clarke", "Wirth", "Conway", "Matsumoto", "Kenneth", "Gosling",
    "Goldwasser", "Lamport", "Jones", "Lerdorf",
)

REVIEW_TITLES: Final[tuple[str, ...]] = (
    "Love it", "Does the job", "Better than expected", "Not for me",
    "Great value", "Solid build", "Would buy again", "Disappointed",
    "Exactly as described", "Five stars", "Meh", "Gift for my partner",
)

REVIEW_SENTENCES: Final[tuple[str, ...]] = (
    "Arrived quickly and well packed.",
    "The quality is noticeably better than my old one.",
    "Sizing runs a little small.",
    "Colour is slightly different from the photos.",
    "I use it every day and it still looks new.",
    "Customer service sorted out a problem within a day.",
    "A bit pricey, but worth it.",
    "Instructions were confusing.",
    "Feels sturdy and well made.",
    "Stopped working after a month, replacement was fine.",
    "Exactly what I was looking for.",
    "Would recommend to friends.",
)
